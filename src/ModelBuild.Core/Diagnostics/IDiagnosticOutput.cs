namespace ModelBuild.Core.Diagnostics;

/// <summary>
/// Where an operation that a command runs reports as it goes: diagnostics, and progress lines for people.
/// The command-line engine's console implements it.
/// </summary>
public interface IDiagnosticOutput
{
    /// <summary>Reports one diagnostic.</summary>
    void Report(Diagnostic diagnostic);

    /// <summary>Reports each diagnostic, in order.</summary>
    void Report(IEnumerable<Diagnostic> diagnostics);

    /// <summary>One line of progress for people.</summary>
    void Info(string message);
}
