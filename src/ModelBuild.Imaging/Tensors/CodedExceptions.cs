namespace ModelBuild.Tensors;

/// <summary>
/// An error with a ModelBuild diagnostic code (<c>MB5020</c>...). Its message starts with the code, so apps that
/// only print messages still show it; <see cref="Code"/> and <see cref="Reason"/> carry the two parts, so
/// the engine turns the error into a diagnostic without reading the message.
/// </summary>
public interface ICodedError
{
    /// <summary>The diagnostic code, listed in docs/diagnostics.md.</summary>
    string Code { get; }

    /// <summary>The message without its code.</summary>
    string Reason { get; }
}

/// <summary>A diagnostic's code and text, before either becomes an exception's message.</summary>
/// <param name="Code">The diagnostic code.</param>
/// <param name="Reason">The text.</param>
public readonly record struct CodedMessage(string Code, string Reason)
{
    /// <summary><c>MB5020: text</c>, the form an exception's message takes.</summary>
    public override string ToString() => Code + ": " + Reason;
}

/// <summary>An argument that breaks a rule with a diagnostic code (a shape the values do not fill, say).</summary>
public sealed class CodedArgumentException : ArgumentException, ICodedError
{
    /// <summary>Creates the exception for <paramref name="message"/> about <paramref name="paramName"/>.</summary>
    public CodedArgumentException(CodedMessage message, string? paramName)
        : base(message.ToString(), paramName) => (Code, Reason) = (message.Code, message.Reason);

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }
}

/// <summary>A <c>.npy</c> file that cannot be read: not one, malformed, truncated, or of a dtype tensors do not hold.</summary>
public sealed class InvalidNpyException : IOException, ICodedError
{
    /// <summary>Creates the exception for <paramref name="message"/>.</summary>
    public InvalidNpyException(CodedMessage message)
        : base(message.ToString()) => (Code, Reason) = (message.Code, message.Reason);

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }
}

/// <summary>A call the object's state does not allow, with a diagnostic code (reading a tensor as the wrong type, say).</summary>
public sealed class CodedOperationException : InvalidOperationException, ICodedError
{
    /// <summary>Creates the exception for <paramref name="message"/>.</summary>
    public CodedOperationException(CodedMessage message)
        : base(message.ToString()) => (Code, Reason) = (message.Code, message.Reason);

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }
}

/// <summary>A value of a kind that is not supported, with a diagnostic code (an output that is not a tensor, say).</summary>
public sealed class CodedNotSupportedException : NotSupportedException, ICodedError
{
    /// <summary>Creates the exception for <paramref name="message"/>.</summary>
    public CodedNotSupportedException(CodedMessage message)
        : base(message.ToString()) => (Code, Reason) = (message.Code, message.Reason);

    /// <inheritdoc/>
    public string Code { get; }

    /// <inheritdoc/>
    public string Reason { get; }
}
