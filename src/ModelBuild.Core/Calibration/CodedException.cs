using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// Turns exceptions of ModelBuild.Imaging, which cannot use diagnostics and start their message with the
/// code instead (<c>MB5030: ...</c>, <c>MB8003: ...</c>), into diagnostics with that code.
/// </summary>
internal static partial class CodedException
{
    /// <summary>The diagnostic the message carries, or null when it starts with no code.</summary>
    public static Diagnostic? ToDiagnostic(Exception exception, SourceLocation? location)
    {
        var match = Coded().Match(exception.Message);
        return match.Success ? new Diagnostic(match.Groups[1].Value, DiagnosticSeverity.Error, match.Groups[2].Value, location) : null;
    }

    /// <summary>The message without its leading code, for quoting inside another diagnostic.</summary>
    public static string Text(Exception exception)
    {
        var match = Coded().Match(exception.Message);
        return match.Success ? match.Groups[2].Value : exception.Message;
    }

    [GeneratedRegex(@"^(MB\d{4}): (.*)$", RegexOptions.Singleline)]
    private static partial Regex Coded();
}
