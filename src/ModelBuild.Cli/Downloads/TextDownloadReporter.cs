using System.Diagnostics;
using System.Globalization;
using ModelBuild.Core.Sources;

using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Downloads;

/// <summary>
/// Progress for people. On a terminal, one progress bar per file, redrawn in place; otherwise
/// (CI logs, MSBuild) plain lines: a line every few seconds during a long download and one line
/// per file at its end — name, size, host, rate, time, and whether the cache had it.
/// </summary>
internal sealed class TextDownloadReporter(TextWriter output, bool interactive, string prefix = "", TimeSpan? interval = null) :
    IDownloadReporter,
    IDownloadProgress
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, TimeSpan> _lastLine = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void ModelBegin(string model, int files) => Line($"Downloading {model} ({files} file{(files == 1 ? "" : "s")})");

    public void FileBegin(string model, string file, long size)
    {
    }

    public void FileProgress(string model, string file, long bytes, long size, TimeSpan elapsed)
        => Progress($"{model}/{file}", bytes, size, elapsed);

    public void FileEnd(string model, string file, bool successful, DownloadFinished? details)
    {
        if (details is not null)
        {
            Print(details with { Source = $"{model}/{file}" });
        }
    }

    public void ModelEnd(string model, bool successful)
    {
    }

    public void PostprocessingBegin(string model) => Line($"Postprocessing {model}");

    public void PostprocessingEnd(string model)
    {
    }

    public void Failed(IReadOnlyList<string> models)
    {
        if (models.Count > 0)
        {
            Line("FAILED:");
            foreach (var model in models)
            {
                Line(model);
            }
        }
    }

    // IDownloadProgress, for the engine's compile: the same lines for model sources.
    public void Started(DownloadStarted started)
    {
    }

    public void Progressed(DownloadProgressed progressed)
        => Progress(progressed.Source, progressed.BytesReceived, progressed.ExpectedSize ?? 0, progressed.Elapsed);

    public void Finished(DownloadFinished finished)
    {
        // Model files on this machine are not downloads; the engine's summary line covers them.
        if (finished.Host is not null)
        {
            Print(finished);
        }
    }

    private void Print(DownloadFinished finished)
    {
        if (!finished.Succeeded)
        {
            ClearBar();
            return;
        }

        var from = finished.Host is null ? "" : $" from {finished.Host}";
        var text = finished.FromCache
            ? $"{finished.Source}: {Size(finished.Size)}, cache hit"
            : finished.Transferred == 0
                ? $"{finished.Source}: {Size(finished.Size)}{from}, cache miss, read in {Seconds(finished.Elapsed)}"
                : $"{finished.Source}: {Size(finished.Size)}{from}, cache miss, downloaded {Size(finished.Transferred)} in " +
                    $"{Seconds(finished.Elapsed)} ({Rate(finished.Transferred, finished.Elapsed)})";
        Line(text);
    }

    private void Progress(string name, long bytes, long size, TimeSpan elapsed)
    {
        lock (_gate)
        {
            if (interactive)
            {
                const int Width = 30;
                var fraction = size > 0 ? Math.Clamp((double)bytes / size, 0, 1) : 0;
                var filled = (int)(fraction * Width);
                output.Write(string.Create(CultureInfo.InvariantCulture, $"\r{name} " +
                    $"[{new string('#', filled)}{new string(' ', Width - filled)}] {fraction * 100,3:0}% {Size(bytes)} " +
                        $"{Rate(bytes, elapsed)}   "));
                output.Flush();
                return;
            }

            // A line every few seconds per file, so CI logs show a long download is alive.
            var now = _clock.Elapsed;
            if (_lastLine.TryGetValue(name, out var last) && now - last < _interval)
            {
                return;
            }

            if (!_lastLine.ContainsKey(name))
            {
                _lastLine[name] = now;
                return;
            }

            _lastLine[name] = now;
            var percent = size > 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes * 100 / size}%, ") : "";
            output.WriteLine($"{prefix}{name}: {percent}{Size(bytes)}, {Rate(bytes, elapsed)}");
        }
    }

    private void Line(string text)
    {
        lock (_gate)
        {
            ClearBarLocked();
            output.WriteLine(prefix + text);
        }
    }

    private void ClearBar()
    {
        lock (_gate)
        {
            ClearBarLocked();
        }
    }

    private void ClearBarLocked()
    {
        if (interactive)
        {
            output.Write("\r" + new string(' ', 100) + "\r");
        }
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private static string Rate(long bytes, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "-" : Size((long)(bytes / elapsed.TotalSeconds)) + "/s";

    private static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.0} s");
}
