using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// A remote cache speaking Bazel's HTTP protocol: blobs at <c>{prefix}/cas/&lt;sha256&gt;</c>, action
/// records at <c>{prefix}/ac/&lt;key&gt;</c>; <c>HEAD</c> asks, <c>GET</c> reads (404 is a miss),
/// <c>PUT</c> writes. Served by bazel-remote (with <c>--disable_http_ac_validation</c>, because the
/// records are ModelBuild's JSON, not Bazel's ActionResult) or any WebDAV server such as nginx.
/// A transfer that stays silent for longer than the time-out is abandoned.
/// </summary>
public sealed class BazelHttpStore : IRemoteCacheStore
{
    private const int BufferSize = 1 << 16;

    private readonly HttpClient _client;
    private readonly Uri _base;
    private readonly string _display;
    private readonly TimeSpan _timeout;

    /// <param name="address">An http(s) address; its path is the prefix.</param>
    /// <param name="credentials">Basic or bearer authentication, when set.</param>
    /// <param name="timeout">How long a request may wait for headers, and a transfer may stay silent.</param>
    public BazelHttpStore(RemoteCacheAddress address, RemoteCacheCredentials credentials, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(credentials);
        var builder = new UriBuilder(address.Uri) { UserName = "", Password = "", Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        _base = builder.Uri;
        _display = address.DisplayText;
        _timeout = timeout;
        _client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout, AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (credentials.Token is { } token)
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (credentials.Password is not null || credentials.UserName is not null)
        {
            var pair = Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}");
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }
    }

    public async Task<bool> ContainsBlobAsync(Sha256Digest digest, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, BlobUri(digest));
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return IsFound(response, "HEAD", "cas");
    }

    public async Task<bool> TryReadBlobAsync(Sha256Digest digest, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Get, BlobUri(digest));
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsFound(response, "GET", "cas"))
        {
            return false;
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await CopyWithIdleTimeoutAsync(body, destination, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public async Task WriteBlobAsync(Sha256Digest digest, long size, Stream content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(digest)) { Content = new StreamContent(content, BufferSize) };
        request.Content.Headers.ContentLength = size;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        // The request is sent whole before an answer comes: allow for the transfer at 1 MiB/s at worst.
        using var response = await SendAsync(request, cancellationToken, TimeSpan.FromSeconds(size >> 20)).ConfigureAwait(false);
        EnsureStored(response, "cas");
    }

    public async Task<byte[]?> TryReadActionAsync(ActionKey key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ActionUri(key));
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsFound(response, "GET", "ac"))
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await CopyWithIdleTimeoutAsync(body, buffer, cancellationToken).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }

    public async Task WriteActionAsync(ActionKey key, ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, ActionUri(key)) { Content = new ReadOnlyMemoryContent(record) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        EnsureStored(response, "ac");
    }

    public void Dispose() => _client.Dispose();

    private Uri BlobUri(Sha256Digest digest) => new(_base, "cas/" + digest.Hex);

    private Uri ActionUri(ActionKey key) => new(_base, "ac/" + key.Hex);

    /// <summary>Sends with the time-out on the headers; the body is read by the caller under its own idle time-out.</summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request,
        CancellationToken cancellationToken,
        TimeSpan extra = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout + extra);
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteCacheException(
                $"{request.Method} {Describe(request)} had no answer within {FormatTimeout(_timeout + extra)}",
                e);
        }
        catch (HttpRequestException e)
        {
            throw new RemoteCacheException($"{request.Method} {Describe(request)} failed: {e.Message}", e);
        }
    }

    private bool IsFound(HttpResponseMessage response, string method, string area)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        throw new RemoteCacheException(string.Create(
            CultureInfo.InvariantCulture,
            $"{method} {_display}/{area}/… answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));
    }

    private void EnsureStored(HttpResponseMessage response, string area)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new RemoteCacheException(string.Create(
                CultureInfo.InvariantCulture,
                $"PUT {_display}/{area}/… answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}"));
        }
    }

    private async Task CopyWithIdleTimeoutAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                idle.CancelAfter(_timeout);
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new RemoteCacheException($"a download from {_display} stalled for {FormatTimeout(_timeout)}", e);
                }
                catch (HttpRequestException e)
                {
                    throw new RemoteCacheException($"a download from {_display} broke off: {e.Message}", e);
                }

                if (read == 0)
                {
                    return;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string Describe(HttpRequestMessage request) =>
        request.RequestUri is { } uri ? $"{_display}/{uri.AbsolutePath[_base.AbsolutePath.Length..]}" : _display;

    internal static string FormatTimeout(TimeSpan timeout) =>
        timeout.TotalSeconds < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{timeout.TotalMilliseconds:0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{timeout.TotalSeconds:0.#} s");
}
