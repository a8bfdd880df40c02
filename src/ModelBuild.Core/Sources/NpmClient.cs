using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>A tarball <c>npm pack</c> wrote, and the integrity the registry published for it.</summary>
internal sealed record PackedTarball(string Path, SubresourceIntegrity Integrity);

/// <summary>
/// Runs the user's <c>npm</c> client. ModelBuild never talks to a registry itself: npm's own
/// configuration (registry, proxy, credentials, its cache) decides where packages come from.
/// </summary>
internal sealed class NpmClient(string executable)
{
    /// <summary>Overrides the npm executable (a path, or a name found on PATH).</summary>
    public const string ExecutableEnvironmentVariable = "MODELBUILD_NPM";

    private const int StderrLinesShown = 8;

    public string Executable { get; } = executable;

    /// <summary><see cref="ExecutableEnvironmentVariable"/>, else <c>npm</c> (<c>npm.cmd</c> on Windows).</summary>
    public static string DefaultExecutable()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutableEnvironmentVariable);
        return !string.IsNullOrWhiteSpace(configured) ? configured : OperatingSystem.IsWindows() ? "npm.cmd" : "npm";
    }

    /// <summary>
    /// <c>npm pack &lt;spec&gt; --pack-destination &lt;destination&gt; --json</c>, run in
    /// <paramref name="workingDirectory"/>; returns the tarball and its published integrity.
    /// </summary>
    public async Task<PackedTarball> PackAsync(
        string packageSpec,
        string destination,
        string workingDirectory,
        SourceLocation? at,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = Directory.Exists(workingDirectory) ? workingDirectory : destination
        };

        // Arguments go through ArgumentList, never a shell; the spec was validated to a safe character set.
        foreach (var argument in new[] { "pack", packageSpec, "--pack-destination", destination, "--json", "--ignore-scripts" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";

        CapturedOutput run;
        try
        {
            run = await CapturedProcess.RunAsync(start, timeout: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new DiagnosticException(SourceDiagnostics.NpmNotStarted.Create(at, Executable, e.Message), e);
        }

        return run.ExitCode != 0
            ? throw new DiagnosticException(
                SourceDiagnostics.NpmPackFailed.Create(at, packageSpec, run.ExitCode, LastLines(run.StandardError)))
            : ReadPackOutput(run.StandardOutput, packageSpec, destination, at);
    }

    private static PackedTarball ReadPackOutput(string output, string packageSpec, string destination, SourceLocation? at)
    {
        string? fileName;
        string? integrityText;
        try
        {
            // npm prints a JSON array with one object per packed package; skip anything before it.
            var json = output.IndexOf('[', StringComparison.Ordinal) is var start and >= 0 ? output[start..] : output;
            using var document = JsonDocument.Parse(json);
            var packed = document.RootElement[0];
            fileName = packed.TryGetProperty("filename", out var f) ? f.GetString() : null;
            integrityText = packed.TryGetProperty("integrity", out var i) ? i.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new DiagnosticException(SourceDiagnostics.NpmUnexpectedOutput
                .Create(at, packageSpec, "no JSON description of the packed tarball (" + e.Message + ")"), e);
        }

        var integrity = SubresourceIntegrity.Parse(integrityText)
            ?? throw new DiagnosticException(
                SourceDiagnostics.NpmUnexpectedOutput.Create(at, packageSpec, $"no usable integrity ('{integrityText}')"));

        var tarballs = Directory.GetFiles(destination, "*.tgz");
        var path = fileName is not null && File.Exists(Path.Combine(destination, Path.GetFileName(fileName)))
            ? Path.Combine(destination, Path.GetFileName(fileName))
            : tarballs.Length == 1
                ? tarballs[0]
                : throw new DiagnosticException(
                    SourceDiagnostics.NpmUnexpectedOutput.Create(at, packageSpec, $"the tarball '{fileName}' is not in {destination}"));
        return new PackedTarball(path, integrity);
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shown = lines.Length == 0 ? "(npm printed nothing on stderr)" : string.Join(" | ", lines.TakeLast(StderrLinesShown));
        return UrlRedactor.Redact(shown);
    }
}
