namespace ModelBuild.Core.Sources;

/// <summary>A fetch begins: what, from where, and how big it is expected to be (null when unknown).</summary>
/// <param name="Source">The source as it may be printed (no secrets).</param>
/// <param name="Host">The host bytes come from, or null for sources read on this machine.</param>
/// <param name="ExpectedSize">The pinned size, if any.</param>
public sealed record DownloadStarted(string Source, string? Host, long? ExpectedSize);

/// <summary>Bytes of the file received so far, resumed bytes included (a resumed download reports them first).</summary>
public sealed record DownloadProgressed(string Source, long BytesReceived, long? ExpectedSize, TimeSpan Elapsed);

/// <summary>A fetch ended.</summary>
/// <param name="Source">The source as it may be printed.</param>
/// <param name="Host">The host bytes came from, or null.</param>
/// <param name="Succeeded">False when it failed (the error is reported separately, as a diagnostic).</param>
/// <param name="FromCache">True when nothing was transferred because the cache held the content.</param>
/// <param name="Size">The content's size (on success).</param>
/// <param name="Transferred">Bytes transferred over the network in this run.</param>
/// <param name="Elapsed">Time from start to end.</param>
public sealed record DownloadFinished(
    string Source,
    string? Host,
    bool Succeeded,
    bool FromCache,
    long Size,
    long Transferred,
    TimeSpan Elapsed);

/// <summary>
/// Hears about fetches as they happen: the engine prints a line per file for MSBuild, the command
/// line draws a progress bar, <c>modelbuild download --progress_format json</c> emits Open Model
/// Zoo's events. Called from any thread; implementations must be quick and thread-safe.
/// </summary>
public interface IDownloadProgress
{
    void Started(DownloadStarted started);

    void Progressed(DownloadProgressed progressed);

    void Finished(DownloadFinished finished);
}
