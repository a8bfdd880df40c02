using ModelBuild.Core.Cache;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Sessions;
using ModelBuild.Tests;

namespace ModelBuild.Core.Tests.Cache;

/// <summary>What of the engine goes into an action key: its version, its binaries' digest, its ONNX Runtime.</summary>
public sealed class EngineActionKeyTests
{
    private static readonly Sha256Digest BuildA = Sha256Digest.Compute("engine build A"u8);
    private static readonly Sha256Digest BuildB = Sha256Digest.Compute("engine build B"u8);

    [Fact]
    public void Two_builds_of_one_version_never_share_keys()
    {
        var a = new EngineIdentity("0.1.0+abc", () => BuildA, () => "1.30.0").NewActionKey("prepare").Build();
        var b = new EngineIdentity("0.1.0+abc", () => BuildB, () => "1.30.0").NewActionKey("prepare").Build();

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Another_onnx_runtime_changes_every_key()
    {
        var a = new EngineIdentity("0.1.0", () => BuildA, () => "1.30.0").NewActionKey("prepare").Build();
        var b = new EngineIdentity("0.1.0", () => BuildA, () => "1.31.0").NewActionKey("prepare").Build();

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void This_engine_digests_its_own_assemblies_and_names_the_onnx_runtime_it_is_built_with_and_loads()
    {
        var engine = EngineIdentity.Current;
        var packages = System.Xml.Linq.XDocument.Load(RepositoryLayout.PathOf("Directory.Packages.props"));
        var package = packages.Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == "Microsoft.ML.OnnxRuntime");

        // The key's version is known without loading ONNX Runtime; the one that loads must be it.
        Assert.Equal((string?)package.Attribute("Version"), engine.OnnxRuntimeVersion);
        Assert.Equal(OnnxRuntimeLibrary.BuiltVersion, engine.OnnxRuntimeVersion);

        Assert.Equal(EngineIdentity.ComputeBinaryDigest(), engine.BinaryDigest);
        Assert.NotEqual(Sha256Digest.Empty, engine.BinaryDigest);
        var stamp = Path.Combine(Path.GetDirectoryName(typeof(EngineIdentity).Assembly.Location)!, EngineBinaryDigest.StampFileName);
        Assert.StartsWith("sha256 " + engine.BinaryDigest.Hex + "\n", File.ReadAllText(stamp), StringComparison.Ordinal);
        Assert.Equal(OnnxRuntimeLibrary.Version, engine.OnnxRuntimeVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+", engine.OnnxRuntimeVersion);
        Assert.Equal(engine.NewActionKey("inspect").Build(), engine.NewActionKey("inspect").Build());
        Assert.Equal(engine.Version.Split('+')[0], engine.DisplayVersion);
    }
}
