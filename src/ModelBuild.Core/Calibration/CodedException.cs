using ModelBuild.Core.Diagnostics;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// Turns exceptions that carry a diagnostic code (<see cref="ICodedError"/>: ModelBuild.Imaging's, which cannot
/// use diagnostics, and the ONNX Runtime sessions') into diagnostics with that code.
/// </summary>
internal static class CodedException
{
    /// <summary>The diagnostic the exception carries, or null when it carries no code.</summary>
    public static Diagnostic? ToDiagnostic(Exception exception, SourceLocation? location) =>
        exception is ICodedError coded ? new Diagnostic(coded.Code, DiagnosticSeverity.Error, coded.Reason, location) : null;

    /// <summary>The message without its code, for quoting inside another diagnostic.</summary>
    public static string Text(Exception exception) => exception is ICodedError coded ? coded.Reason : exception.Message;
}
