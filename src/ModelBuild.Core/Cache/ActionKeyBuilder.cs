using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.Cache;

/// <summary>
/// Computes an <see cref="ActionKey"/> from the action's name, the version of the tool that runs
/// it and the digest of its binaries, the ONNX Runtime version, its named input digests, its options
/// (as canonical JSON), the target and precision, and a salt. The hashed encoding is unambiguous:
/// every part is tagged and length-prefixed (unset parts are empty, never left out), and inputs are
/// ordered by name, so the order in which they are added does not matter but every name and digest does.
/// </summary>
public sealed class ActionKeyBuilder
{
    // Bump when the encoding below changes, so old records are never mistaken for new ones.
    private const string EncodingVersion = "modelbuild.action-key.v2";

    private readonly string _actionName;
    private readonly string _toolVersion;
    private readonly SortedDictionary<string, Sha256Digest> _inputs = new(StringComparer.Ordinal);
    private byte[] _options = CanonicalJson.SerializeToUtf8Bytes(null);
    private string _salt = "";
    private byte[] _toolDigest = [];
    private string _runtimeVersion = "";
    private string _target = "";
    private string _precision = "";

    /// <param name="actionName">What the action does, e.g. <c>convert-fp16</c>.</param>
    /// <param name="toolVersion">The version of the engine (or external tool) that runs it.</param>
    public ActionKeyBuilder(string actionName, string toolVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(actionName);
        ArgumentException.ThrowIfNullOrEmpty(toolVersion);
        _actionName = actionName;
        _toolVersion = toolVersion;
    }

    /// <summary>Adds a named input blob.</summary>
    /// <exception cref="ArgumentException">An input with this name was already added.</exception>
    public ActionKeyBuilder AddInput(string name, Sha256Digest digest)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_inputs.TryAdd(name, digest))
        {
            throw new ArgumentException($"The input '{name}' was already added.", nameof(name));
        }

        return this;
    }

    /// <summary>Sets the options; only their canonical JSON form counts.</summary>
    public ActionKeyBuilder WithOptions(JsonNode? options)
    {
        _options = CanonicalJson.SerializeToUtf8Bytes(options);
        return this;
    }

    /// <summary>
    /// Sets the digest of the tool's own binaries, so that two builds of one version (a local build, a
    /// patched package) never share results.
    /// </summary>
    public ActionKeyBuilder WithToolDigest(Sha256Digest digest)
    {
        _toolDigest = digest.ToHashBytes();
        return this;
    }

    /// <summary>Sets the version of the ONNX Runtime the action loads models with.</summary>
    public ActionKeyBuilder WithRuntimeVersion(string? version)
    {
        _runtimeVersion = version ?? "";
        return this;
    }

    /// <summary>Sets the target and precision, for actions whose result depends on them.</summary>
    public ActionKeyBuilder WithTarget(string? target, string? precision)
    {
        _target = target ?? "";
        _precision = precision ?? "";
        return this;
    }

    /// <summary>Sets the salt users change to disown entries they no longer trust.</summary>
    public ActionKeyBuilder WithSalt(string? salt)
    {
        _salt = salt ?? "";
        return this;
    }

    /// <summary>The key of everything added so far.</summary>
    public ActionKey Build()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendField(hash, 'V', Encoding.UTF8.GetBytes(EncodingVersion));
        AppendField(hash, 'A', Encoding.UTF8.GetBytes(_actionName));
        AppendField(hash, 'T', Encoding.UTF8.GetBytes(_toolVersion));
        AppendField(hash, 'B', _toolDigest);
        AppendField(hash, 'R', Encoding.UTF8.GetBytes(_runtimeVersion));
        AppendLength(hash, 'I', _inputs.Count);
        foreach (var (name, digest) in _inputs)
        {
            AppendField(hash, 'N', Encoding.UTF8.GetBytes(name));
            AppendField(hash, 'D', digest.ToHashBytes());
        }

        AppendField(hash, 'O', _options);
        AppendField(hash, 'G', Encoding.UTF8.GetBytes(_target));
        AppendField(hash, 'P', Encoding.UTF8.GetBytes(_precision));
        AppendField(hash, 'S', Encoding.UTF8.GetBytes(_salt));
        return new ActionKey(Sha256Digest.FromHash(hash.GetHashAndReset()));
    }

    private static void AppendField(IncrementalHash hash, char tag, byte[] value)
    {
        AppendLength(hash, tag, value.Length);
        hash.AppendData(value);
    }

    private static void AppendLength(IncrementalHash hash, char tag, long length)
    {
        Span<byte> header = stackalloc byte[9];
        header[0] = (byte)tag;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], length);
        hash.AppendData(header);
    }
}
