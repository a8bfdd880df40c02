using System.Globalization;
using System.Runtime.InteropServices;

namespace ModelBuild.Runtime;

/// <summary>Turns an <c>OrtStatus*</c> into an exception, releasing the status on every path.</summary>
internal static class OrtStatus
{
    /// <summary>Does nothing for success (0); otherwise releases the status and throws <see cref="OnnxRuntimeException"/>.</summary>
    public static void Check(nint status, string operation)
    {
        if (status != 0)
        {
            throw ToException(status, operation);
        }
    }

    /// <summary>
    /// As <see cref="Check(nint, string)"/>, with the operation given as a format and its one argument, so
    /// the text is only built when there is an error (these checks sit on the per-run path).
    /// </summary>
    public static void Check(nint status, string operationFormat, string argument)
    {
        if (status != 0)
        {
            throw ToException(status, string.Format(CultureInfo.InvariantCulture, operationFormat, argument));
        }
    }

    /// <summary>Releases a status without looking at it, for cleanup paths that must not throw.</summary>
    public static unsafe void Ignore(nint status)
    {
        if (status != 0)
        {
            OnnxRuntimeLibrary.Api.ReleaseStatus(status);
        }
    }

    private static unsafe OnnxRuntimeException ToException(nint status, string operation)
    {
        var api = OnnxRuntimeLibrary.Api;
        try
        {
            var code = (OnnxRuntimeErrorCode)api.GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((nint)api.GetErrorMessage(status)) ?? string.Empty;
            return new OnnxRuntimeException(code, message, operation);
        }
        finally
        {
            api.ReleaseStatus(status);
        }
    }
}
