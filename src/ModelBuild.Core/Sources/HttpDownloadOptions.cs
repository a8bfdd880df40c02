namespace ModelBuild.Core.Sources;

/// <summary>
/// How the HTTP engine behaves: timeouts, retries and redirects. The defaults suit CI: a dead
/// connection is noticed within a minute, transient failures are retried with growing, jittered
/// waits, and a server's <c>Retry-After</c> is obeyed.
/// </summary>
public sealed record HttpDownloadOptions
{
    public static HttpDownloadOptions Default { get; } = new();

    /// <summary>Time to open a connection (TCP and TLS) before the attempt counts as failed.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for the response headers or for the next bytes of the body.</summary>
    public TimeSpan ReadIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per file, the first included (Open Model Zoo's <c>--num_attempts</c>).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The wait before the second attempt; it doubles each time, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest computed wait between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest <c>Retry-After</c> obeyed; a server asking for more fails the attempt instead of hanging the build.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Redirects followed per request.</summary>
    public int MaxRedirects { get; init; } = 10;

    /// <summary>
    /// Waits between attempts; <see cref="Task.Delay(TimeSpan, CancellationToken)"/> by default.
    /// Tests replace it to record the waits instead of sleeping.
    /// </summary>
    public Func<TimeSpan, CancellationToken, Task> Wait { get; init; } = Task.Delay;
}
