namespace ModelBuild.Tests;

/// <summary>
/// A Debian package whose programs or files the tests use. <c>eng/test.sh</c> (the README's test command)
/// installs every one of them; a test run some other way on a machine without one fails with the package's
/// name and the command that installs it, never with a bare file-not-found and never by skipping.
/// </summary>
public sealed record DebianPackage(string Name)
{
    /// <summary>Remote cache server (the Redis tier).</summary>
    public static DebianPackage RedisServer { get; } = new("redis-server");

    /// <summary>Remote cache server (the Bazel HTTP tier, with its WebDAV module).</summary>
    public static DebianPackage Nginx { get; } = new("nginx");

    /// <summary>RVC2 superblob patches.</summary>
    public static DebianPackage Bsdiff { get; } = new("bsdiff");

    /// <summary>The ONNX backend node test cases.</summary>
    public static DebianPackage OnnxTestData { get; } = new("libonnx-testdata");

    /// <summary>Python's onnx package: the ONNX checker, an independent judge of the models written.</summary>
    public static DebianPackage PythonOnnx { get; } = new("python3-onnx");

    /// <summary>The reference image decoder and the renderer of test images.</summary>
    public static DebianPackage ImageMagick { get; } = new("imagemagick");

    /// <summary>The fonts the rendered text-line images use.</summary>
    public static DebianPackage DejaVuFonts { get; } = new("fonts-dejavu-core");

    /// <summary>The command that installs this package.</summary>
    public string InstallCommand => $"sudo apt-get install {Name}";

    /// <summary>Fails the test, naming this package and how to install it, unless <paramref name="path"/> exists; returns the
    /// path.</summary>
    public string Require(string path)
    {
        Assert.True(File.Exists(path) || Directory.Exists(path), MissingMessage(path));
        return path;
    }

    /// <summary>What a test says when <paramref name="what"/>, which this package provides, is not there.</summary>
    public string MissingMessage(string what) =>
        $"{what} is missing: it comes with Debian's {Name} package. Install it with `{InstallCommand}`, " +
        "or run the tests with eng/test.sh (the README's test command), which installs every package the tests use.";
}
