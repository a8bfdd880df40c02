using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>One file to GET: the URL, the credentials for its first host, and how to name it in messages.</summary>
/// <param name="Uri">The URL without user information.</param>
/// <param name="Authorization">Sent to the URL's own origin only; dropped when a redirect leaves it.</param>
/// <param name="Display">The source as messages show it (no secrets).</param>
/// <param name="Identity">Names the partial file across runs; hashed, so it may hold a secret-free URL.</param>
/// <param name="AllowInsecureHttp">Plain http is allowed beyond loopback (the source's <c>allow_insecure</c>).</param>
internal sealed record HttpDownloadRequest(
    Uri Uri,
    AuthenticationHeaderValue? Authorization,
    string Display,
    string Identity,
    bool AllowInsecureHttp = false)
{
    /// <summary>The page the server may show instead of the file, and how to confirm it (Google Drive's); null for none.</summary>
    public IDownloadInterstitial? Interstitial { get; init; }
}

/// <summary>A finished download: the file with every byte, its size and the digests computed while it streamed.</summary>
internal sealed record CompletedDownload(
    PartialDownload Partial,
    long Size,
    IReadOnlyList<ContentDigest> Digests,
    long Transferred,
    TimeSpan Elapsed);

/// <summary>
/// The HTTP engine for one file: attempts with backoff and jitter on network errors, 5xx, 408 and 429
/// (obeying <c>Retry-After</c>); each retry resumes with <c>Range</c> from what is already on disk
/// (<c>If-Range</c> with the ETag, so a changed file restarts); a 206 must answer the exact offset
/// in <c>Content-Range</c> and a 200 restarts; redirects are followed by hand, a bounded number of
/// times, never from https to http, and credentials never follow a redirect to another origin.
/// Digests are computed as bytes arrive; a body longer than the pinned size is cut off. An <see cref="OutputCopy"/>
/// given to the run receives every byte too, from the same buffers, and restarts whenever the partial file does.
/// </summary>
internal sealed partial class ResumableDownload(HttpClient http, HttpDownloadOptions options)
{
    private const int BufferSize = 1 << 18;
    private const long ProgressStep = 1 << 20;

    // How much is written before the kernel is asked to start putting it on disk.
    private const long WritebackStep = 8 << 20;

    private readonly RetryPolicy _retry = new(options);

    [GeneratedRegex(@"^bytes (?<first>\d+)-(?<last>\d+)/(?<total>\d+|\*)$")]
    private static partial Regex ContentRangePattern();

    /// <summary>
    /// Downloads into <paramref name="partial"/> until complete; throws a <see cref="DiagnosticException"/>
    /// at <paramref name="at"/> when the file cannot be had. The caller stores and then deletes the partial.
    /// <paramref name="copy"/>, if given, ends up holding the same bytes as the partial (unless it gave up).
    /// </summary>
    public async Task<CompletedDownload> RunAsync(
        HttpDownloadRequest request,
        PartialDownload partial,
        ContentPin pin,
        SourceLocation? at,
        IDownloadProgress? progress,
        CancellationToken cancellationToken,
        OutputCopy? copy = null)
    {
        var stopwatch = Stopwatch.StartNew();
        if (partial.Validators is { ETag: null, LastModified: null } && !pin.HasDigest)
        {
            // Nothing could prove the bytes on disk are the same version; for an unpinned file, start over.
            partial.Reset();
        }

        // SHA-256 always: the content store adopts the finished file under it without reading it again.
        var algorithms = pin.OtherDigests.Select(d => d.Algorithm)
            .Append(DigestAlgorithm.Sha256)
            .Distinct()
            .ToArray();
        var checkable = Checkable(pin, algorithms);

        var state = new TransferState(partial, algorithms, copy);
        await using var disposeState = state.ConfigureAwait(false);
        await state.HashExistingAsync(cancellationToken).ConfigureAwait(false);
        if (state.Received > 0)
        {
            progress?.Progressed(
                new DownloadProgressed(request.Display, state.Received, pin.Size ?? partial.Validators?.TotalLength, TimeSpan.Zero));
        }

        string? lastFailure = null;
        var freshRestartUsed = false;
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await AttemptAsync(request, state, pin, at, progress, stopwatch, cancellationToken).ConfigureAwait(false);

            switch (outcome.Kind)
            {
                case OutcomeKind.Complete:
                    var digests = await state.FinishDigestsAsync().ConfigureAwait(false);
                    if (!checkable.IsSatisfiedBy(digests, state.Received) && state.StartedFromPartial && !freshRestartUsed)
                    {
                        // Bytes from an earlier attempt or run may belong to another version: one clean try.
                        freshRestartUsed = true;
                        await state.RestartAsync().ConfigureAwait(false);
                        attempt--;
                        continue;
                    }

                    return new CompletedDownload(partial, state.Received, digests, state.Transferred, stopwatch.Elapsed);

                case OutcomeKind.FollowNow:
                    // The interstitial page was confirmed: not a failed attempt.
                    attempt--;
                    continue;

                case OutcomeKind.RestartNow:
                    await state.RestartAsync().ConfigureAwait(false);
                    lastFailure = outcome.Reason;
                    if (attempt >= options.MaxAttempts)
                    {
                        throw Failed(request, at, attempt, lastFailure);
                    }

                    continue;

                case OutcomeKind.Retry:
                    lastFailure = outcome.Reason;
                    if (attempt >= options.MaxAttempts)
                    {
                        throw outcome.FinalError ?? Failed(request, at, attempt, lastFailure);
                    }

                    await options.Wait(outcome.Wait ?? _retry.Backoff(attempt + 1), cancellationToken).ConfigureAwait(false);
                    continue;
            }
        }
    }

    /// <summary>The part of <paramref name="pin"/> that digests in <paramref name="algorithms"/> (and the size) can check.</summary>
    internal static ContentPin Checkable(ContentPin pin, IReadOnlyCollection<DigestAlgorithm> algorithms) =>
        pin with { Digests = [.. pin.Digests.IsDefaultOrEmpty ? [] : pin.Digests.Where(d => algorithms.Contains(d.Algorithm))] };

    private static DiagnosticException Failed(HttpDownloadRequest request, SourceLocation? at, int attempts, string? reason) =>
        new(SourceDiagnostics.DownloadFailed.Create(
            at,
            request.Display,
            UrlRedactor.Redact(reason ?? "unknown error") + (attempts > 1
                ? string.Create(CultureInfo.InvariantCulture, $" (after {attempts} attempts)")
                : "")));

    private async Task<AttemptOutcome> AttemptAsync(
        HttpDownloadRequest request,
        TransferState state,
        ContentPin pin,
        SourceLocation? at,
        IDownloadProgress? progress,
        Stopwatch stopwatch,
        CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(options.ReadIdleTimeout);
        try
        {
            using var response = await SendAsync(request, state, at, idle.Token).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status == HttpStatusCode.RequestedRangeNotSatisfiable && state.Received > 0)
            {
                return AttemptOutcome.Restart("the server refused the resume offset (416)");
            }

            if (!response.IsSuccessStatusCode)
            {
                var error = new DiagnosticException(
                    SourceDiagnostics.HttpStatus.Create(at, request.Display, (int)status, response.ReasonPhrase ?? status.ToString()));
                if (!RetryPolicy.IsTransient(status))
                {
                    throw error;
                }

                var wait = RetryPolicy.RetryAfter(response.Headers.RetryAfter, DateTimeOffset.UtcNow);
                if (wait > options.MaxRetryAfter)
                {
                    throw new DiagnosticException(SourceDiagnostics.RetryAfterTooLong
                        .Create(at, request.Display, (int)status, FormatSeconds(wait.Value), FormatSeconds(options.MaxRetryAfter)));
                }

                return AttemptOutcome.RetryAfter($"HTTP {(int)status} {response.ReasonPhrase}", wait, error);
            }

            if (request.Interstitial is { } interstitial && response.Content.Headers.ContentType?.MediaType == "text/html")
            {
                return await ConfirmAsync(interstitial, response, request, state, at, idle.Token).ConfigureAwait(false);
            }

            var contentRange = response.Content.Headers.ContentRange;
            if (status == HttpStatusCode.PartialContent)
            {
                var text = response.Content.Headers.TryGetValues("Content-Range", out var values) ? values.FirstOrDefault() ?? "" : "";
                var match = ContentRangePattern().Match(text);
                if (state.Received == 0 || !match.Success
                    || long.Parse(match.Groups["first"].Value, CultureInfo.InvariantCulture) != state.Received)
                {
                    return AttemptOutcome.Restart($"a 206 answer whose Content-Range '{text}' does not start at byte {state.Received}");
                }

                state.MarkResumed();
            }
            else if (state.Received > 0)
            {
                // A 200 to a Range request: the server ignores ranges, or the file changed (If-Range).
                await state.RestartAsync().ConfigureAwait(false);
            }

            var total = status == HttpStatusCode.PartialContent
                ? contentRange?.Length
                : response.Content.Headers.ContentLength;
            if (pin.Size is { } pinned && total is { } announced && announced > pinned)
            {
                throw new DiagnosticException(SourceDiagnostics.ContentLongerThanPinned.Create(at, request.Display, pinned, announced));
            }

            var etag = response.Headers.ETag is { IsWeak: false } strong ? strong.ToString() : null;
            var lastModified = response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture);
            if (state.Received == 0 || state.Partial.Validators is null)
            {
                state.Partial.SaveValidators(new PartialValidators(etag, lastModified, total));
            }

            var body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await CopyBodyAsync(body, request, state, pin, at, progress, stopwatch, idle).ConfigureAwait(false);
            }

            return AttemptOutcome.Complete;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AttemptOutcome.RetryAfter($"no data for {FormatSeconds(options.ReadIdleTimeout)}", wait: null, error: null);
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException or IOException)
        {
            return AttemptOutcome.RetryAfter(Describe(e), wait: null, error: null);
        }
    }

    /// <summary>Reads the interstitial page and follows its confirmation, once; a page without one is the final error.</summary>
    private static async Task<AttemptOutcome> ConfirmAsync(
        IDownloadInterstitial interstitial,
        HttpResponseMessage response,
        HttpDownloadRequest request,
        TransferState state,
        SourceLocation? at,
        CancellationToken cancellationToken)
    {
        var page = await ReadPageAsync(response, cancellationToken).ConfigureAwait(false);
        var pageUri = response.RequestMessage?.RequestUri ?? request.Uri;
        var setCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];
        if (state.Confirmation is null && interstitial.Confirm(pageUri, setCookies, page) is { } confirmation)
        {
            CheckHop(request, pageUri, confirmation.Next, at);
            state.Confirmation = confirmation;
            return AttemptOutcome.Follow;
        }

        throw new DiagnosticException(SourceDiagnostics.InterstitialPage.Create(at, request.Display, interstitial.Explain(page)));
    }

    /// <summary>The first MiB of a page as text: enough for any confirmation page, bounded for anything else.</summary>
    private static async Task<string> ReadPageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        const int Limit = 1 << 20;
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var buffer = new byte[Limit];
            var filled = 0;
            int read;
            while (filled < Limit && (read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += read;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, filled);
        }
    }

    private async Task CopyBodyAsync(
        Stream body,
        HttpDownloadRequest request,
        TransferState state,
        ContentPin pin,
        SourceLocation? at,
        IDownloadProgress? progress,
        Stopwatch stopwatch,
        CancellationTokenSource idle)
    {
        var file = state.Partial.OpenForAppend();
        await using (file.ConfigureAwait(false))
        {
            var nextReport = state.Received + ProgressStep;
            var writtenBack = file.Position;
            while (true)
            {
                // Each chunk goes to the hashing workers, the last of which returns it to the pool: hashing overlaps the next read.
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), idle.Token).ConfigureAwait(false);
                    if (read > 0)
                    {
                        idle.CancelAfter(options.ReadIdleTimeout);
                        if (pin.Size is { } pinned && state.Received + read > pinned)
                        {
                            // Never store or keep more than the pin allows: the file is not the pinned one.
                            await state.DrainAsync().ConfigureAwait(false);
                            state.Partial.Reset();
                            throw new DiagnosticException(
                                SourceDiagnostics.ContentLongerThanPinned.Create(at, request.Display, pinned, "more"));
                        }

                        // A plain write: the page cache takes it at once, without a hop to another thread.
                        file.Write(buffer, 0, read);
                        if (file.Position - writtenBack >= WritebackStep)
                        {
                            Writeback.Start(file.SafeFileHandle, writtenBack, file.Position - writtenBack);
                            writtenBack = file.Position;
                        }
                    }
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                await state.AppendAsync(buffer, read).ConfigureAwait(false);
                if (state.Received >= nextReport)
                {
                    nextReport = state.Received + ProgressStep;
                    progress?.Progressed(new DownloadProgressed(
                        request.Display,
                        state.Received,
                        pin.Size ?? state.Partial.Validators?.TotalLength,
                        stopwatch.Elapsed));
                }
            }
        }

        progress?.Progressed(
            new DownloadProgressed(request.Display, state.Received, pin.Size ?? state.Partial.Validators?.TotalLength, stopwatch.Elapsed));
    }

    /// <summary>Sends the GET, following redirects by hand so each hop can be checked.</summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpDownloadRequest request,
        TransferState state,
        SourceLocation? at,
        CancellationToken cancellationToken)
    {
        var uri = state.Confirmation?.Next ?? request.Uri;
        var authorization = request.Authorization;
        var cookie = state.Confirmation?.Cookie;
        for (var redirects = 0; ; redirects++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, uri);
            message.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            message.Headers.Authorization = authorization;
            if (cookie is not null)
            {
                message.Headers.Add("Cookie", cookie);
            }

            if (state.Received > 0)
            {
                message.Headers.Range = new RangeHeaderValue(state.Received, null);
                if (state.Partial.Validators?.ETag is { } etag)
                {
                    message.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(etag));
                }
                else if (state.Partial.Validators?.LastModified is { } date
                    && DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var lastModified))
                {
                    message.Headers.IfRange = new RangeConditionHeaderValue(lastModified);
                }
            }

            var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
            {
                return response;
            }

            response.Dispose();
            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (redirects >= options.MaxRedirects)
            {
                throw new DiagnosticException(SourceDiagnostics.TooManyRedirects.Create(at, request.Display, options.MaxRedirects));
            }

            CheckHop(request, uri, next, at);
            if (!string.Equals(
                next.GetLeftPart(UriPartial.Authority),
                uri.GetLeftPart(UriPartial.Authority),
                StringComparison.OrdinalIgnoreCase))
            {
                // Credentials belong to the origin they were given for, never to where it redirects.
                authorization = null;
                cookie = null;
            }

            uri = next;
        }
    }

    /// <summary>Refuses a hop (a redirect, an interstitial's confirmation) from <paramref name="from"/> to <paramref name="next"/> that
    /// would leave http(s) or lose TLS.</summary>
    private static void CheckHop(HttpDownloadRequest request, Uri from, Uri next, SourceLocation? at)
    {
        if (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp)
        {
            throw new DiagnosticException(
                SourceDiagnostics.RedirectRefused
                    .Create(at, request.Display, UrlRedactor.Redact(next), "only http and https are followed"));
        }

        if (from.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
        {
            throw new DiagnosticException(SourceDiagnostics.RedirectRefused
                .Create(at, request.Display, UrlRedactor.Redact(next), "a redirect from https to plain http is never followed"));
        }

        if (next.Scheme == Uri.UriSchemeHttp && !next.IsLoopback && !request.AllowInsecureHttp)
        {
            throw new DiagnosticException(SourceDiagnostics.RedirectRefused
                .Create(at, request.Display, UrlRedactor.Redact(next), "plain http is only allowed to this machine"));
        }
    }

    private static string Describe(Exception e)
    {
        var message = e.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message)
            && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{e.Message} ({inner.Message})"
            : e.Message;
        return message.TrimEnd('.');
    }

    private static string FormatSeconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###} s");

    private enum OutcomeKind
    {
        Complete,
        FollowNow,
        RestartNow,
        Retry,
    }

    private sealed record AttemptOutcome(OutcomeKind Kind, string? Reason, TimeSpan? Wait, DiagnosticException? FinalError)
    {
        public static AttemptOutcome Complete { get; } = new(OutcomeKind.Complete, null, null, null);

        public static AttemptOutcome Follow { get; } = new(OutcomeKind.FollowNow, null, null, null);

        public static AttemptOutcome Restart(string reason) => new(OutcomeKind.RestartNow, reason, null, null);

        public static AttemptOutcome RetryAfter(string reason, TimeSpan? wait, DiagnosticException? error)
            => new(OutcomeKind.Retry, reason, wait, error);
    }

    /// <summary>
    /// The bytes received for one file across attempts, and their running digests: each digest on a
    /// worker of its own (SHA-384 and SHA-256 of one chunk at the same time, on different cores), and the
    /// output copy's write on another, all overlapping the next read.
    /// </summary>
    private sealed class TransferState(PartialDownload partial, DigestAlgorithm[] algorithms, OutputCopy? copy) : IAsyncDisposable
    {
        // Chunks read but not yet hashed by every worker; a read waits beyond this (memory stays at a few MiB).
        private const int MaxPendingChunks = 16;

        private readonly SemaphoreSlim _pendingSlots = new(MaxPendingChunks);
        private IncrementalHash[] _hashes = [.. algorithms.Select(a => IncrementalHash.CreateHash(ContentDigest.HashName(a)))];
        // One worker per digest, then one for the output copy when there is one.
        private readonly Task[] _workers = [.. Enumerable.Repeat(Task.CompletedTask, algorithms.Length + (copy is null ? 0 : 1))];

        public PartialDownload Partial { get; } = partial;

        /// <summary>Where the download continues after an interstitial page was confirmed; null before.</summary>
        public InterstitialConfirmation? Confirmation { get; set; }

        public long Received { get; private set; }

        public long Transferred { get; private set; }

        /// <summary>True when the bytes on disk did not all arrive in one response of this run.</summary>
        public bool StartedFromPartial { get; private set; }

        /// <summary>Hashes what an earlier run left, so the digests cover the whole file.</summary>
        public async Task HashExistingAsync(CancellationToken cancellationToken)
        {
            if (!File.Exists(Partial.DataPath))
            {
                return;
            }

            var file = new FileStream(
                Partial.DataPath,
                FileMode.Open,
                FileAccess.Read,
                FileShare.ReadWrite,
                BufferSize,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (file.ConfigureAwait(false))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    foreach (var hash in _hashes)
                    {
                        hash.AppendData(buffer, 0, read);
                    }

                    copy?.Write(buffer.AsSpan(0, read));
                    Received += read;
                }
            }

            StartedFromPartial = Received > 0;
        }

        /// <summary>
        /// Counts <paramref name="count"/> bytes of <paramref name="buffer"/> (rented from the shared pool; this takes
        /// it over) and hashes them on a worker, in order; waits when the worker falls too far behind.
        /// </summary>
        public async ValueTask AppendAsync(byte[] buffer, int count)
        {
            await _pendingSlots.WaitAsync().ConfigureAwait(false);
            Received += count;
            Transferred += count;
            var hashes = _hashes;
            var users = _workers.Length;
            for (var i = 0; i < _workers.Length; i++)
            {
                var hash = i < hashes.Length ? hashes[i] : null;
                _workers[i] = _workers[i].ContinueWith(
                    _ =>
                    {
                        try
                        {
                            if (hash is null)
                            {
                                copy!.Write(buffer.AsSpan(0, count));
                            }
                            else
                            {
                                hash.AppendData(buffer, 0, count);
                            }
                        }
                        finally
                        {
                            if (Interlocked.Decrement(ref users) == 0)
                            {
                                ArrayPool<byte>.Shared.Return(buffer);
                                _pendingSlots.Release();
                            }
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.None,
                    TaskScheduler.Default);
            }
        }

        /// <summary>Waits until every appended chunk is hashed.</summary>
        public Task DrainAsync() => Task.WhenAll(_workers);

        /// <summary>Lets the workers finish (a failed attempt may leave chunks queued), then frees the hashes.</summary>
        public async ValueTask DisposeAsync()
        {
            await Task.WhenAll(_workers).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            foreach (var hash in _hashes)
            {
                hash.Dispose();
            }

            _pendingSlots.Dispose();
        }

        /// <summary>Marks that the next bytes continue an earlier response.</summary>
        public void MarkResumed() => StartedFromPartial = true;

        public async Task RestartAsync()
        {
            await DrainAsync().ConfigureAwait(false);
            Partial.Reset();
            copy?.Restart();
            foreach (var hash in _hashes)
            {
                hash.Dispose();
            }

            _hashes = [.. algorithms.Select(a => IncrementalHash.CreateHash(ContentDigest.HashName(a)))];
            Received = 0;
            StartedFromPartial = false;
        }

        public async Task<IReadOnlyList<ContentDigest>> FinishDigestsAsync()
        {
            await DrainAsync().ConfigureAwait(false);
            return [.. algorithms.Select((a, i) => ContentDigest.FromHash(a, _hashes[i].GetHashAndReset()))];
        }
    }
}
