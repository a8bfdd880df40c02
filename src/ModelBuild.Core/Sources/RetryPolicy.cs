using System.Net;
using System.Net.Http.Headers;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Which failures are worth another attempt, and how long to wait first: exponential backoff from
/// <see cref="HttpDownloadOptions.InitialRetryDelay"/> with "equal jitter" (a random wait between half
/// and all of the step, so parallel clients do not retry in lockstep), unless the server said how
/// long with <c>Retry-After</c>.
/// </summary>
internal sealed class RetryPolicy(HttpDownloadOptions options)
{
    /// <summary>Statuses that say "try again later"; every other 4xx is final.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 for the first retry).</summary>
    public TimeSpan Backoff(int nextAttempt)
    {
        var exponent = Math.Clamp(nextAttempt - 2, 0, 30);
        var step = Math.Min(options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), options.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((step / 2) + (Random.Shared.NextDouble() * step / 2));
    }

    /// <summary>The wait a <c>Retry-After</c> header asks for, or null when there is none.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
