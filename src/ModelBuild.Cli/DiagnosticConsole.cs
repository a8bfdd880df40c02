using ModelBuild.Core.Diagnostics;
using ModelBuild.Tensors;

namespace ModelBuild.Cli;

/// <summary>
/// Where the engine speaks: diagnostics in MSBuild's canonical form on standard error (MSBuild and
/// IDEs turn them into errors on the right line), progress on standard output. Safe across threads.
/// </summary>
internal sealed class DiagnosticConsole(TextWriter output, TextWriter error) : IDiagnosticOutput
{
    private readonly Lock _gate = new();

    public DiagnosticConsole()
        : this(Console.Out, Console.Error)
    {
    }

    public int ErrorCount { get; private set; }

    public void Report(Diagnostic diagnostic)
    {
        lock (_gate)
        {
            if (diagnostic.IsError)
            {
                ErrorCount++;
            }

            error.WriteLine(diagnostic.ToCanonicalString());
        }
    }

    public void Report(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            Report(diagnostic);
        }
    }

    public void Info(string message)
    {
        lock (_gate)
        {
            output.WriteLine(message);
        }
    }

    /// <summary>
    /// Reports an exception that carries its code (<see cref="ICodedError"/>: ModelBuild.Imaging's and the engine's
    /// ONNX Runtime sessions', MB5050 say); false when it carries none.
    /// </summary>
    public bool TryReportCoded(Exception exception)
    {
        if (exception is not ICodedError coded)
        {
            return false;
        }

        Report(new Diagnostic(coded.Code, DiagnosticSeverity.Error, coded.Reason, null));
        return true;
    }

    /// <summary>An engine fault, not a user mistake: a short error, with the stack trace in a file for the bug report.</summary>
    public void ReportInternalError(Exception exception)
    {
        var log = Path.Combine(Path.GetTempPath(), $"modelbuild-crash-{Environment.ProcessId}.txt");
        try
        {
            File.WriteAllText(log, exception.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log = "(the crash log could not be written)";
        }

        // One line whatever the message holds: MSBuild reads each console line as its own message.
        var message = string.Join(
            ' ',
            exception.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Report(new Diagnostic(
            "MB9000",
            DiagnosticSeverity.Error,
            $"Internal error in the ModelBuild engine: {exception.GetType().Name}: {message} Details: {log}. Please report this.",
            null));
    }
}
