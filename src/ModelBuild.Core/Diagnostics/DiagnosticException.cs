namespace ModelBuild.Core.Diagnostics;

/// <summary>
/// Unwinds the work of one model because of a user mistake. The engine reports
/// <see cref="Diagnostic"/> in canonical form and never prints a stack trace for it. A subclass may carry
/// what the diagnostic is about as a typed property, so no caller reads it back from the message.
/// </summary>
public class DiagnosticException : Exception
{
    public DiagnosticException(Diagnostic diagnostic)
        : base(diagnostic.ToCanonicalString()) => Diagnostic = diagnostic;

    public DiagnosticException(Diagnostic diagnostic, Exception inner)
        : base(diagnostic.ToCanonicalString(), inner) => Diagnostic = diagnostic;

    public Diagnostic Diagnostic { get; }
}
