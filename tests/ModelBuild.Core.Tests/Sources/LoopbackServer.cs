using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>One request as the server saw it.</summary>
internal sealed record LoopbackRequest(string Method, string Target, string PathAndQuery, IReadOnlyDictionary<string, string> Headers)
{
    public string? Authorization => Header("Authorization");

    /// <summary>The <c>Range</c> header, e.g. <c>bytes=1000-</c>, or null.</summary>
    public string? Range => Header("Range");

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// How to answer one request. The default serves the route's file like a real server: ranges (206
/// with Content-Range, If-Range against the ETag, 416 past the end) and an ETag. Each fault
/// property bends that answer the way broken networks and servers do.
/// </summary>
internal sealed record LoopbackReply
{
    /// <summary>A plain status with an empty body (and <see cref="Headers"/>), instead of the file.</summary>
    public int? Status { get; init; }

    /// <summary>A 200 answer with this body (and <see cref="Headers"/>) instead of the file: a web page where a file was
    /// expected.</summary>
    public byte[]? Page { get; init; }

    /// <summary>Serve the whole file with 200 even when a range is asked for.</summary>
    public bool IgnoreRange { get; init; }

    /// <summary>Send this Content-Range with a 206 instead of the right one.</summary>
    public string? WrongContentRange { get; init; }

    /// <summary>Close the connection (reset) after this many body bytes.</summary>
    public long? DropAfter { get; init; }

    /// <summary>Send this many body bytes, then nothing until the server is disposed or <see
    /// cref="LoopbackServer.ReleaseStalls"/>.</summary>
    public long? StallAfter { get; init; }

    /// <summary>Stall before sending anything, headers included.</summary>
    public bool StallBeforeHeaders { get; init; }

    /// <summary>Extra response headers (Retry-After, Location...).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static LoopbackReply WithStatus(int status, params (string Name, string Value)[] headers) =>
        new() { Status = status, Headers = headers.ToDictionary(h => h.Name, h => h.Value) };

    public static LoopbackReply Redirect(string location, int status = 302) => WithStatus(status, ("Location", location));
}

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 and a free port, over plain TCP or TLS (a self-signed
/// certificate the test trusts), written on sockets so that tests can break it on purpose: drop a
/// connection mid-body, stall, ignore ranges, lie in Content-Range, answer 429/5xx, redirect, rate
/// limit each connection, or act as an HTTP proxy that tunnels CONNECT to another loopback server.
/// It records every request. Each route serves a file; scripted replies are used one per request,
/// in order, and then the file is served normally.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting;
    private TaskCompletionSource _stallRelease = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _peakInFlight;

    public LoopbackServer(bool tls = false)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 64);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Certificate = tls ? CreateCertificate() : null;
        BaseUrl = $"{(tls ? "https" : "http")}://127.0.0.1:{Port}/";
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string BaseUrl { get; }

    /// <summary>The server's certificate when it speaks TLS (valid for localhost, 127.0.0.1 and *.test).</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>Every request seen, in arrival order.</summary>
    public ConcurrentQueue<LoopbackRequest> Requests { get; } = new();

    /// <summary>The most requests that were being answered at the same time.</summary>
    public int PeakConcurrency => Volatile.Read(ref _peakInFlight);

    /// <summary>Bytes per second each connection sends its body at; null for as fast as possible.</summary>
    public long? BytesPerSecondPerConnection { get; set; }

    /// <summary>When set, CONNECT requests are tunnelled to this port on 127.0.0.1 (the server acts as a proxy).</summary>
    public int? TunnelPort { get; set; }

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/> (with <paramref name="status"/> and no range support when not
    /// 200).</summary>
    public void Serve(string path, byte[] body, int status = 200, string? etag = null)
    {
        var route = new Route(body, etag ?? $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}\"");
        if (status != 200)
        {
            route.Script.Enqueue(new LoopbackReply { Status = status });
            route.Sticky = new LoopbackReply { Status = status };
        }

        _routes[path] = route;
    }

    /// <summary>Answers the next requests for <paramref name="path"/> with <paramref name="replies"/>, one each, then serves the
    /// file.</summary>
    public void Script(string path, params LoopbackReply[] replies)
    {
        var route = _routes[path];
        foreach (var reply in replies)
        {
            route.Script.Enqueue(reply);
        }
    }

    /// <summary>Lets every stalled reply go on (they then close their connection).</summary>
    public void ReleaseStalls()
    {
        var old = _stallRelease;
        _stallRelease = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }

    /// <summary>Requests for <paramref name="path"/>.</summary>
    public IReadOnlyList<LoopbackRequest> RequestsFor(string path) => [.. Requests.Where(r => r.PathAndQuery.Split('?')[0] == path)];

    public void Dispose()
    {
        _stopping.Cancel();
        _stallRelease.TrySetResult();
        _listener.Stop();
        try
        {
            Task.WaitAll([_accepting, .. _connections], TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Connections end with exceptions when the server stops under them.
        }

        _stopping.Dispose();
        Certificate?.Dispose();
    }

    /// <summary>A port nothing listens on right now (the OS picks it).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections.Add(Task.Run(() => HandleAsync(client)));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (Certificate is not null)
                {
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    await ssl.AuthenticateAsServerAsync(Certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                    stream = ssl;
                }

                await using (stream)
                {
                    var request = await ReadRequestAsync(stream);
                    if (request is null)
                    {
                        return;
                    }

                    Requests.Enqueue(request);
                    if (request.Method == "CONNECT" && TunnelPort is { } tunnel)
                    {
                        await TunnelAsync(stream, tunnel);
                        return;
                    }

                    var now = Interlocked.Increment(ref _inFlight);
                    InterlockedMax(ref _peakInFlight, now);
                    try
                    {
                        await AnswerAsync(client, stream, request);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }
                }
            }
            catch (Exception e) when (e is IOException
                or SocketException
                or ObjectDisposedException
                or OperationCanceledException
                or System.Security.Authentication.AuthenticationException)
            {
                // The client went away, or the server is stopping.
            }
        }
    }

    private async Task AnswerAsync(TcpClient client, Stream stream, LoopbackRequest request)
    {
        var path = request.PathAndQuery.Split('?')[0];
        if (!_routes.TryGetValue(path, out var route))
        {
            await WriteHeadAsync(stream, 404, "Not Found", 9, new Dictionary<string, string>());
            await stream.WriteAsync("not found"u8.ToArray(), _stopping.Token);
            return;
        }

        var reply = route.Next();
        if (reply.StallBeforeHeaders)
        {
            await _stallRelease.Task.WaitAsync(_stopping.Token);
            return;
        }

        if (reply.Page is { } page)
        {
            await WriteHeadAsync(stream, 200, "OK", page.Length, reply.Headers);
            await stream.WriteAsync(page, _stopping.Token);
            return;
        }

        if (reply.Status is { } status)
        {
            await WriteHeadAsync(stream, status, ReasonOf(status), 0, reply.Headers);
            return;
        }

        var body = route.Body;
        var range = reply.IgnoreRange ? null : request.Range;
        var ifRange = request.Header("If-Range");
        long first = 0;
        var code = 200;
        var headers = new Dictionary<string, string>(reply.Headers) { ["ETag"] = route.ETag, ["Accept-Ranges"] = "bytes" };
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && (ifRange is null || ifRange == route.ETag))
        {
            first = long.Parse(range["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
            if (first >= body.Length)
            {
                headers["Content-Range"] = $"bytes */{body.Length}";
                await WriteHeadAsync(stream, 416, "Range Not Satisfiable", 0, headers);
                return;
            }

            code = 206;
            headers["Content-Range"] = reply.WrongContentRange ?? $"bytes {first}-{body.Length - 1}/{body.Length}";
        }

        var length = body.Length - first;
        await WriteHeadAsync(stream, code, code == 206 ? "Partial Content" : "OK", length, headers);
        var limit = reply.DropAfter ?? reply.StallAfter ?? length;
        await WriteBodyAsync(stream, body.AsMemory((int)first, (int)Math.Min(limit, length)));
        if (reply.DropAfter is not null)
        {
            // A reset, not a clean close: what a dropped connection looks like to the client.
            client.Client.LingerState = new LingerOption(true, 0);
            client.Client.Close();
            return;
        }

        if (reply.StallAfter is not null)
        {
            await _stallRelease.Task.WaitAsync(_stopping.Token);
        }
    }

    private async Task WriteBodyAsync(Stream stream, ReadOnlyMemory<byte> body)
    {
        if (BytesPerSecondPerConnection is not { } rate)
        {
            await stream.WriteAsync(body, _stopping.Token);
            await stream.FlushAsync(_stopping.Token);
            return;
        }

        // Sends in slices of a tenth of a second's worth.
        var slice = (int)Math.Max(1024, rate / 10);
        var started = System.Diagnostics.Stopwatch.StartNew();
        long sent = 0;
        while (sent < body.Length)
        {
            // Waits before each slice, so the last byte leaves when the whole budget is spent.
            var count = (int)Math.Min(slice, body.Length - sent);
            var due = TimeSpan.FromSeconds((double)(sent + count) / rate) - started.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, _stopping.Token);
            }

            await stream.WriteAsync(body.Slice((int)sent, count), _stopping.Token);
            await stream.FlushAsync(_stopping.Token);
            sent += count;
        }
    }

    private async Task WriteHeadAsync(
        Stream stream,
        int status,
        string reason,
        long contentLength,
        IReadOnlyDictionary<string, string> headers)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {contentLength}\r\n");
        head.Append("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stopping.Token);
        await stream.FlushAsync(_stopping.Token);
    }

    private async Task TunnelAsync(Stream client, int port)
    {
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(IPAddress.Loopback, port, _stopping.Token);
        await client.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), _stopping.Token);
        await client.FlushAsync(_stopping.Token);
        var server = upstream.GetStream();
        var up = client.CopyToAsync(server, _stopping.Token);
        var down = server.CopyToAsync(client, _stopping.Token);
        await Task.WhenAny(up, down);
    }

    /// <summary>Reads the request line and headers (no request bodies: the client only GETs).</summary>
    private async Task<LoopbackRequest?> ReadRequestAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, _stopping.Token) == 0)
            {
                return null;
            }

            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString([.. bytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var target = requestLine[1];

        // A proxy sees absolute-form targets ("GET http://host/path"): keep the path for routing.
        var pathAndQuery = Uri.TryCreate(target, UriKind.Absolute, out var absolute)
            && absolute.Scheme.StartsWith("http", StringComparison.Ordinal)
            ? absolute.PathAndQuery
            : target;
        return new LoopbackRequest(requestLine[0], target, pathAndQuery, headers);
    }

    private static string ReasonOf(int status) => status switch
    {
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=modelbuild-loopback", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName("*.test");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class Route(byte[] body, string etag)
    {
        public byte[] Body { get; } = body;

        public string ETag { get; } = etag;

        public ConcurrentQueue<LoopbackReply> Script { get; } = new();

        /// <summary>The reply once the script is used up; null for the file itself.</summary>
        public LoopbackReply? Sticky { get; set; }

        public LoopbackReply Next() => Script.TryDequeue(out var reply) ? reply : Sticky ?? new LoopbackReply();
    }
}
