using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Sessions;

/// <summary>
/// ONNX Runtime reported an error (code MB5004). <see cref="ErrorCode"/> and <see cref="NativeMessage"/> are
/// what ORT said; <see cref="Exception.Message"/> adds the code and what was being done.
/// </summary>
public sealed partial class OnnxRuntimeErrorException : Exception, ICodedError
{
    /// <summary>Wraps an error ONNX Runtime's managed API raised while doing <paramref name="operation"/>.</summary>
    public OnnxRuntimeErrorException(string operation, OnnxRuntimeException error)
        : this(operation, Split(error?.Message ?? string.Empty), error)
    {
    }

    private OnnxRuntimeErrorException(string operation, (string Code, string Message) parts, Exception? inner)
        : this(SessionDiagnostics.NativeError(operation, parts.Code, parts.Message), parts, inner)
    {
    }

    private OnnxRuntimeErrorException(CodedMessage message, (string Code, string Message) parts, Exception? inner)
        : base(message.ToString(), inner)
    {
        Code = message.Code;
        Reason = message.Reason;
        ErrorCode = parts.Code;
        NativeMessage = parts.Message;
    }

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }

    /// <summary>ONNX Runtime's error code name (<c>InvalidArgument</c>, <c>Fail</c>...).</summary>
    public string ErrorCode { get; }

    /// <summary>ONNX Runtime's own message, unchanged.</summary>
    public string NativeMessage { get; }

    // The managed API prefixes ORT's message with "[ErrorCode:Name] ".
    private static (string Code, string Message) Split(string message)
    {
        var match = Prefixed().Match(message);
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value) : ("Fail", message);
    }

    [GeneratedRegex(@"^\[ErrorCode:(\w+)\] ?(.*)$", RegexOptions.Singleline)]
    private static partial Regex Prefixed();
}
