using System.Globalization;

namespace ModelBuild.Core.Diagnostics;

/// <summary>How bad a diagnostic is; errors fail the model, warnings do not.</summary>
public enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>Where a diagnostic points: a file and, when known, a 1-based line and column.</summary>
public sealed record SourceLocation(string FilePath, int Line = 0, int Column = 0)
{
    /// <summary>The origin part of an MSBuild canonical message: <c>path(line,col)</c>, <c>path(line)</c> or <c>path</c>.</summary>
    public string ToOrigin() => (Line, Column) switch
    {
        ( > 0, > 0) => string.Create(CultureInfo.InvariantCulture, $"{FilePath}({Line},{Column})"),
        ( > 0, _) => string.Create(CultureInfo.InvariantCulture, $"{FilePath}({Line})"),
        _ => FilePath,
    };
}

/// <summary>
/// One kind of problem: a stable code (<c>MBnnnn</c>), a severity and one message template.
/// Every descriptor has a row in <c>docs/diagnostics.md</c>; a test holds the two together.
/// </summary>
public sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string MessageFormat)
{
    /// <summary>Formats the template with <paramref name="args"/> (invariant culture).</summary>
    public Diagnostic Create(SourceLocation? location, params object?[] args) =>
        new(Code, Severity, string.Format(CultureInfo.InvariantCulture, MessageFormat, args), location);
}

/// <summary>A reported problem, printable in the canonical form MSBuild and IDEs parse.</summary>
public sealed record Diagnostic(string Code, DiagnosticSeverity Severity, string Message, SourceLocation? Location)
{
    /// <summary>The origin used when a diagnostic is about no particular file.</summary>
    public const string ToolOrigin = "modelbuild";

    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>path(line,col): error MBnnnn: text</c>, the form MSBuild turns into an error on that line.</summary>
    public string ToCanonicalString()
    {
        var origin = Location?.ToOrigin() ?? ToolOrigin;
        var category = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        return $"{origin}: {category} {Code}: {Message}";
    }

    public override string ToString() => ToCanonicalString();
}
