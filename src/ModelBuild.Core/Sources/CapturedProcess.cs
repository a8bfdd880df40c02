using System.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>How a child process ended, with everything it printed.</summary>
/// <param name="ExitCode">Its exit code; -1 when it was killed for taking too long.</param>
/// <param name="StandardOutput">All it wrote to standard output.</param>
/// <param name="StandardError">All it wrote to standard error.</param>
/// <param name="TimedOut">True when it ran past its timeout and was killed with every process it started.</param>
internal sealed record CapturedOutput(int ExitCode, string StandardOutput, string StandardError, bool TimedOut);

/// <summary>
/// Runs a package manager's client (<c>npm pack</c>, <c>dotnet restore</c>) whose whole output is wanted: both
/// streams read to the end, the process tree killed on cancellation or timeout. (Vendor compilers, whose output
/// goes line by line to a log, use <see cref="Toolchains.ToolProcessRunner"/>.)
/// </summary>
internal static class CapturedProcess
{
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the process is killed.</exception>
    public static async Task<CapturedOutput> RunAsync(ProcessStartInfo start, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new System.ComponentModel.Win32Exception("the process did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } span)
        {
            limit.CancelAfter(span);
        }

        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        return new CapturedOutput(
            timedOut ? -1 : process.ExitCode,
            await stdout.ConfigureAwait(false),
            await stderr.ConfigureAwait(false),
            timedOut);
    }
}
