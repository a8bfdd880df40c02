using System.CommandLine;
using System.Globalization;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild cache stats | ls | verify | prune | clear</c>: looks after the local cache
/// (<c>--cache-dir</c>, else <c>MODELBUILD_CACHE</c>, else the per-user folder).
/// </summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var command = new Command("cache", "Inspect and maintain the local model cache.");
        command.Subcommands.Add(Stats());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Prune());
        command.Subcommands.Add(Clear());
        return command;
    }

    private static Option<DirectoryInfo?> CacheDirOption() =>
        new("--cache-dir") { Description = "The cache (default: MODELBUILD_CACHE, else the per-user folder)." };

    private static Command Stats()
    {
        var cacheDir = CacheDirOption();
        var command = new Command("stats", "Print how many entries the cache holds and how much of its size budget they use.") { cacheDir };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(cacheDir), (console, cache) =>
        {
            var stats = cache.Inventory.Statistics();
            var percent = stats.MaxSize > 0 ? 100.0 * (stats.BlobBytes + stats.UnpackedBytes) / stats.MaxSize : 0;
            console.Info($"Cache:       {stats.Root}");
            console.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"Blobs:       {stats.BlobCount} ({ByteSize.Format(stats.BlobBytes)} of a " +
                $"{ByteSize.Format(stats.MaxSize)} budget, {percent:0.#} %)"));
            console.Info(Invariant($"Unpacked:    {stats.UnpackedCount} archives ({ByteSize.Format(stats.UnpackedBytes)}, in the budget)"));
            console.Info(Invariant($"Actions:     {stats.ActionCount} records"));
            console.Info(Invariant($"Quarantine:  {stats.QuarantineCount} entries ({ByteSize.Format(stats.QuarantineBytes)})"));
            console.Info(Invariant($"In flight:   {stats.TemporaryCount} temporary files"));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List()
    {
        var cacheDir = CacheDirOption();
        var command = new Command("ls", "List blobs and action records, most recently used first.") { cacheDir };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(cacheDir), (console, cache) =>
        {
            foreach (var blob in cache.Inventory.Blobs().OrderByDescending(b => b.LastUsedUtc)
                .ThenBy(b => b.Digest.Hex, StringComparer.Ordinal))
            {
                console.Info(
                    Invariant($"{blob.LastUsedUtc:yyyy-MM-dd HH:mm:ss}  {ByteSize.Format(blob.Size),10}  blob    sha256:{blob.Digest}"));
            }

            foreach (var action in cache.Inventory.Actions().OrderByDescending(a => a.LastUsedUtc)
                .ThenBy(a => a.Key.Hex, StringComparer.Ordinal))
            {
                console.Info(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{action.LastUsedUtc:yyyy-MM-dd HH:mm:ss}  {ByteSize.Format(action.OutputBytes),10}  action  " +
                    $"{action.Key} {action.ActionName} ({action.OutputCount} outputs)"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Verify()
    {
        var cacheDir = CacheDirOption();
        var command = new Command("verify", "Re-hash every blob and read every action record; corrupt entries go to quarantine.") {
            cacheDir };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(cacheDir), (console, cache) =>
        {
            var result = cache.Verify();
            console.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"Verified {result.BlobsChecked} blobs and {result.ActionsChecked} action records: {result.CorruptBlobs} corrupt blobs, " +
                $"{result.CorruptActions} corrupt records, {result.DanglingActions} records removed because their blobs are gone."));
            if (!result.Clean)
            {
                console.Report(
                    CacheDiagnostics.VerificationFoundCorruption.Create(null, result.CorruptBlobs + result.CorruptActions, cache.Root));
                return ExitCodes.Failed;
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Prune()
    {
        var cacheDir = CacheDirOption();
        var maxSize = new Option<string?>(
            "--max-size")
        {
            Description = "Remove least recently used entries until the cache fits this size (default: " +
                "ModelBuildCacheMaxSize's default, or MODELBUILD_CACHE_MAX_SIZE)."
        };
        var olderThan = new Option<string?>("--older-than") { Description = "Remove entries not used for this long (30d, 12h, 90m)." };
        var command = new Command("prune", "Remove least recently used entries.") { cacheDir, maxSize, olderThan };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(cacheDir), (console, cache) =>
        {
            long? size = null;
            if (parse.GetValue(maxSize) is { } sizeText)
            {
                size = ByteSize.TryParse(sizeText, out var bytes)
                    ? bytes
                    : throw new DiagnosticException(CacheDiagnostics.InvalidSize.Create(null, sizeText, "--max-size"));
            }

            TimeSpan? age = parse.GetValue(olderThan) is { } ageText ? ParseAge(ageText) : null;
            if (size is null && age is null)
            {
                size = cache.MaxSize;
            }

            var result = cache.Prune(size, age);
            console.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"Removed {result.BlobsRemoved} blobs ({ByteSize.Format(result.BytesRemoved)}) and " +
                $"{result.ActionsRemoved} action records; {ByteSize.Format(result.BytesLeft)} left."));
            if (result.UnpackedRemoved > 0)
            {
                console.Info(Invariant($"Removed {result.UnpackedRemoved} unpacked archives with their archives (in the bytes above)."));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Clear()
    {
        var cacheDir = CacheDirOption();
        var command = new Command("clear", "Remove every entry from the cache.") { cacheDir };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(cacheDir), (console, cache) =>
        {
            cache.Clear();
            console.Info($"Cleared {cache.Root}.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Task<int> RunAsync(DirectoryInfo? cacheDir, Func<DiagnosticConsole, ModelBuildCache, int> run)
    {
        var console = new DiagnosticConsole();
        return EngineRun.GuardAsync(console, () =>
        {
            using var cache = ModelBuildCache.Open(CacheOptions.FromSettings(cacheDir?.FullName), console.Report);
            return Task.FromResult(run(console, cache));
        });
    }

    /// <summary><c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>, <c>2w</c>.</summary>
    internal static TimeSpan ParseAge(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length >= 2
            && double.TryParse(trimmed[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            && char.ToLowerInvariant(trimmed[^1]) is var unit and ('w' or 'd' or 'h' or 'm' or 's'))
        {
            return unit switch
            {
                'w' => TimeSpan.FromDays(7 * value),
                'd' => TimeSpan.FromDays(value),
                'h' => TimeSpan.FromHours(value),
                'm' => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromSeconds(value),
            };
        }

        throw new DiagnosticException(CacheDiagnostics.InvalidAge.Create(null, text));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
