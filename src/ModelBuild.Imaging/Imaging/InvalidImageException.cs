using ModelBuild.Tensors;

namespace ModelBuild.Imaging;

/// <summary>
/// An image file that cannot be decoded: corrupt, truncated, of an unknown format or using a feature
/// the decoders do not support. The message starts with the diagnostic code (<c>MB80nn: ...</c>) so
/// that callers which only print messages still show it; <see cref="Code"/> carries it separately.
/// </summary>
public sealed class InvalidImageException : Exception, ICodedError
{
    /// <summary>Creates the exception for <paramref name="code"/>; <paramref name="message"/> is the text after the code.</summary>
    public InvalidImageException(string code, string displayName, string message)
        : base($"{code}: {message}")
    {
        Code = code;
        DisplayName = displayName;
        Reason = message;
    }

    /// <summary>Creates the exception with an inner cause (for example zlib's own error).</summary>
    public InvalidImageException(string code, string displayName, string message, Exception innerException)
        : base($"{code}: {message}", innerException)
    {
        Code = code;
        DisplayName = displayName;
        Reason = message;
    }

    /// <summary>The diagnostic code, one of the <c>MB80nn</c> image codes.</summary>
    public string Code { get; }

    /// <summary>The message without its code.</summary>
    public string Reason { get; }

    /// <summary>The name the caller gave the image (usually its path), as it appears in the message.</summary>
    public string DisplayName { get; }
}
