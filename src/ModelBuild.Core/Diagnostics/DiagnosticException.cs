namespace ModelBuild.Core.Diagnostics;

/// <summary>
/// Unwinds the work of one model because of a user mistake. The engine reports
/// <see cref="Diagnostic"/> in canonical form and never prints a stack trace for it.
/// </summary>
public sealed class DiagnosticException : Exception
{
    public DiagnosticException(Diagnostic diagnostic)
        : base(diagnostic.ToCanonicalString()) => Diagnostic = diagnostic;

    public DiagnosticException(Diagnostic diagnostic, Exception inner)
        : base(diagnostic.ToCanonicalString(), inner) => Diagnostic = diagnostic;

    public Diagnostic Diagnostic { get; }
}
