using System.Diagnostics;
using System.Globalization;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>One run of a tool: the arguments exactly as passed, the folder it runs in and extra environment.</summary>
/// <param name="Tool">The program.</param>
/// <param name="Arguments">Passed one by one, never through a shell.</param>
/// <param name="WorkingDirectory">The folder the tool runs in; relative paths in the arguments are relative to it.</param>
public sealed record ToolInvocation(LocatedTool Tool, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    /// <summary>Variables added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The command as a person would type it, for the log: the tool's name, then the arguments.</summary>
    public string CommandLine => string.Join(' ', new[] { Tool.Name }.Concat(Arguments).Select(Quote));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%[]{}".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>How a tool run ended: its exit code and the first and last lines it printed (stdout and stderr interleaved).</summary>
public sealed record ToolRunResult(int ExitCode, IReadOnlyList<string> FirstLines, IReadOnlyList<string> LastLines)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs vendor tools as child processes. Their output goes line by line into the <see cref="ToolLog"/>;
/// a failure becomes a diagnostic that carries the tool's own last lines, so its real message is never
/// hidden. A run that exceeds the timeout, or is cancelled, is killed with every process it started.
/// </summary>
public sealed class ToolProcessRunner
{
    /// <summary>How many of a tool's last lines a diagnostic quotes.</summary>
    public const int QuotedLines = 20;

    private const int MaxQuotedLineLength = 400;
    private readonly ToolLog _log;
    private readonly TimeSpan _timeout;

    /// <param name="log">Receives every command and output line.</param>
    /// <param name="timeout">The longest one run may take.</param>
    public ToolProcessRunner(ToolLog log, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
        }

        _log = log;
        _timeout = timeout;
    }

    /// <summary>The log every run writes to.</summary>
    public ToolLog Log => _log;

    /// <summary>Runs the tool; a non-zero exit is MB6103, a timeout MB6104, a tool that cannot start MB6102.</summary>
    public async Task<ToolRunResult> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        var result = await RunUncheckedAsync(invocation, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new DiagnosticException(ToolchainDiagnostics.ToolFailed.Create(
                null, invocation.Tool.Name, result.ExitCode, _log.Path, FormatLines(result.LastLines)));
        }

        return result;
    }

    /// <summary>Runs the tool and returns whatever exit code it gave (for version probes); timeouts and start failures still
    /// throw.</summary>
    public async Task<ToolRunResult> RunUncheckedAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var start = new ProcessStartInfo(invocation.Tool.Path)
        {
            WorkingDirectory = invocation.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in invocation.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in invocation.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var head = new List<string>();
        var tail = new LastLines(QuotedLines);

        // stdout and stderr arrive on two threads; an error line must not be pushed out of the quote by output read later.
        var errorTail = new LastLines(QuotedLines / 2);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Receive(e.Data, head, tail, null);
        process.ErrorDataReceived += (_, e) => Receive(e.Data, head, tail, errorTail);
        _log.Write($"$ {invocation.CommandLine}");
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(
                ToolchainDiagnostics.ToolNotStarted.Create(null, invocation.Tool.Name, invocation.Tool.Path, e.Message),
                e);
        }

        // Tools must never wait for input that no one will type.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(_timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);

            // Killed processes close their pipes; this returns once the last output line is in.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                _log.Write($"(cancelled; {invocation.Tool.Name} and its child processes were stopped)");
                throw new OperationCanceledException($"{invocation.Tool.Name} was cancelled.", cancellationToken);
            }

            _log.Write($"(timed out after {Describe(_timeout)}; {invocation.Tool.Name} and its child processes were stopped)");
            throw new DiagnosticException(ToolchainDiagnostics.ToolTimedOut.Create(
                null, invocation.Tool.Name, Describe(_timeout), _log.Path, FormatLines(Quoted(tail, errorTail))));
        }

        _log.Write(string.Create(CultureInfo.InvariantCulture, $"(exit code {process.ExitCode})"));
        List<string> first;
        lock (head)
        {
            first = [.. head];
        }

        return new ToolRunResult(process.ExitCode, first, Quoted(tail, errorTail));
    }

    /// <summary>The quoted form of a tool's last lines in a one-line diagnostic: trimmed, separated by " | ".</summary>
    public static string FormatLines(IReadOnlyList<string> lines)
    {
        var kept = lines
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .Select(l => l.Length > MaxQuotedLineLength ? l[..MaxQuotedLineLength] + "…" : l)
            .ToList();
        return kept.Count == 0 ? "(it printed nothing)" : string.Join(" | ", kept);
    }

    /// <summary>"90 s", "15 min", "2 h" — the timeout as people read it.</summary>
    public static string Describe(TimeSpan span) => span.TotalSeconds < 120
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s")
        : span.TotalMinutes < 120
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.##} min")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.##} h");

    /// <summary>The last lines, with any of stderr's last lines that output read later pushed out put back at the end.</summary>
    private static List<string> Quoted(LastLines tail, LastLines errorTail)
    {
        var lines = tail.Snapshot().ToList();
        var missing = errorTail.Snapshot().Where(l => !lines.Contains(l)).ToList();
        return [.. lines.Skip(Math.Max(0, lines.Count + missing.Count - QuotedLines)), .. missing];
    }

    private void Receive(string? line, List<string> head, LastLines tail, LastLines? errorTail)
    {
        if (line is null)
        {
            return;
        }

        errorTail?.Add(line);

        lock (head)
        {
            if (head.Count < QuotedLines)
            {
                head.Add(line);
            }
        }

        tail.Add(line);
        _log.Write(line);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the timeout and the kill.
        }
    }

    /// <summary>A bounded queue of the most recent lines.</summary>
    private sealed class LastLines(int capacity)
    {
        private readonly Queue<string> _lines = new();
        private readonly Lock _gate = new();

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.Enqueue(line);
                if (_lines.Count > capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public IReadOnlyList<string> Snapshot()
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }
}
