namespace ModelBuild.Core.Cache;

/// <summary>
/// The name of an action's result in the action cache: a SHA-256 over everything that decides the
/// result. Built with <see cref="ActionKeyBuilder"/>.
/// </summary>
public readonly record struct ActionKey(Sha256Digest Digest)
{
    /// <summary>64 lowercase hexadecimal characters.</summary>
    public string Hex => Digest.Hex;

    public override string ToString() => Digest.ToString();
}
