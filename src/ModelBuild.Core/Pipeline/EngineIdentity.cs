using System.Reflection;
using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Which engine computed a result: its version, the digest of its own binaries and the version of
/// the ONNX Runtime it loads. All three go into every action key (<see cref="NewActionKey"/>), so a
/// different engine, even a rebuilt one of the same version, never serves another's cached results.
/// None of them loads ONNX Runtime: its version is the one the engine is built with, which is the only
/// one it computes with (<see cref="OnnxRuntimeLibrary.Version"/> checks it on load).
/// </summary>
public sealed class EngineIdentity
{
    private static readonly Lazy<EngineIdentity> LazyCurrent = new(() => new EngineIdentity(
        typeof(EngineIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(EngineIdentity).Assembly.GetName().Version?.ToString()
        ?? "0.0.0",
        RecordedBinaryDigest,
        () => OnnxRuntimeLibrary.BuiltVersion));

    private readonly Lazy<Sha256Digest> _binaryDigest;
    private readonly Lazy<string> _onnxRuntimeVersion;

    /// <param name="version">The engine's version (informational: package version and source revision).</param>
    /// <param name="binaryDigest">Computes the digest of the engine's binaries; called once, when a key first needs it.</param>
    /// <param name="onnxRuntimeVersion">Tells the ONNX Runtime version; called once, when a key first needs it.</param>
    public EngineIdentity(string version, Func<Sha256Digest> binaryDigest, Func<string> onnxRuntimeVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        Version = version;
        _binaryDigest = new Lazy<Sha256Digest>(binaryDigest, LazyThreadSafetyMode.ExecutionAndPublication);
        _onnxRuntimeVersion = new Lazy<string>(onnxRuntimeVersion, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>This engine. Its binary digest and ONNX Runtime version are worked out on first use.</summary>
    public static EngineIdentity Current => LazyCurrent.Value;

    /// <summary>The informational version: the package version plus the source revision.</summary>
    public string Version { get; }

    /// <summary>The version without the source revision, as users see it (<c>0.1.0</c>).</summary>
    public string DisplayVersion => Version.Split('+')[0];

    /// <summary>
    /// The SHA-256 over the engine's own assemblies (see <see cref="ComputeBinaryDigest"/>); for <see cref="Current"/>,
    /// read from the stamp beside them while their names, sizes and write times match it (see <see cref="EngineBinaryDigest"/>).
    /// </summary>
    public Sha256Digest BinaryDigest => _binaryDigest.Value;

    /// <summary>The ONNX Runtime version results are computed with (for this engine, the one it is built with).</summary>
    public string OnnxRuntimeVersion => _onnxRuntimeVersion.Value;

    /// <summary>A key builder for <paramref name="actionName"/> that already holds everything about this engine.</summary>
    public ActionKeyBuilder NewActionKey(string actionName) =>
        new ActionKeyBuilder(actionName, Version).WithToolDigest(BinaryDigest).WithRuntimeVersion(OnnxRuntimeVersion);

    /// <summary>
    /// The digest of the files that compute action results: ModelBuild.Core and every assembly it
    /// references that lies beside it (ModelBuild.Imaging, the protobuf and YAML libraries), by file
    /// name and content. Framework assemblies are left to the runtime version in <see cref="Version"/>.
    /// </summary>
    public static Sha256Digest ComputeBinaryDigest()
    {
        var core = typeof(EngineIdentity).Assembly;
        var folder = Path.GetDirectoryName(core.Location);
        if (string.IsNullOrEmpty(folder))
        {
            // A single-file bundle has no files to hash; its version still separates releases.
            return Sha256Digest.Compute(Encoding.UTF8.GetBytes("bundle:" + core.FullName));
        }

        return EngineBinaryDigest.Compute(BinaryFiles(core, folder));
    }

    // The engine's run reads the digest from a stamp beside the assemblies while their sizes and times still match.
    private static Sha256Digest RecordedBinaryDigest()
    {
        var core = typeof(EngineIdentity).Assembly;
        var folder = Path.GetDirectoryName(core.Location);
        return string.IsNullOrEmpty(folder)
            ? ComputeBinaryDigest()
            : EngineBinaryDigest.Of(BinaryFiles(core, folder), Path.Combine(folder, EngineBinaryDigest.StampFileName));
    }

    private static List<string> BinaryFiles(Assembly core, string folder) =>
        [.. core.GetReferencedAssemblies()
            .Select(name => Path.Combine(folder, name.Name + ".dll"))
            .Append(core.Location)
            .Where(File.Exists)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
}
