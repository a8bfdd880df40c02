using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ModelBuild.Sdk.Tests.Infrastructure;
using static ModelBuild.Sdk.Tests.EndToEnd.ConsumerProjects;

namespace ModelBuild.Sdk.Tests.EndToEnd;

/// <summary>
/// What a real build shows and writes: no secret of the remote cache address in the console at diagnostic
/// verbosity, in the binary log or in obj/; and model names that cannot leave the project's folders.
/// </summary>
[Collection(SdkPackageGroup.Name)]
[Trait("Category", "Integration")]
public sealed class SecurityTests(SdkPackageFixture sdk)
{
    private const string Password = "PW-c0rrect-h0rse-9431";

    [Fact]
    public void A_password_in_MODELBUILD_REMOTE_CACHE_reaches_neither_the_diagnostic_log_nor_the_binlog_nor_obj()
    {
        using var project = Tiny(sdk, out _);
        project.Environment["MODELBUILD_REMOTE_CACHE"] = $"redis://default:{Password}@127.0.0.1:{FreePort()}/0?timeout={Password}";

        var build = project.Build("-v:diag", "-p:TreatWarningsAsErrors=false");

        build.AssertSucceeded();
        Assert.DoesNotContain(Password, build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, RawBinlog(build.BinlogPath), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, string.Concat(build.Messages()), StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(project.PathOf("obj"), "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Password, File.ReadAllText(file, Encoding.Latin1), StringComparison.Ordinal);
        }

        // The engine read the variable itself: it warned about the password and about the server that is not there.
        var advice = Assert.Single(build.Warnings(), w => w.Code == "MB3040");
        Assert.Contains("redis://***@127.0.0.1:", advice.Text, StringComparison.Ordinal);
        Assert.Contains("MODELBUILD_REMOTE_CACHE_PASSWORD", advice.Text, StringComparison.Ordinal);
        Assert.Single(build.Warnings(), w => w.Code == "MB3010");
    }

    [Theory]
    [InlineData("../../../pwned")]
    [InlineData("sub/dir")]
    [InlineData("NUL")]
    public void An_unsafe_Name_metadata_is_MB1031_on_the_project_and_nothing_is_written_for_it(string name)
    {
        using var project = Tiny(sdk, out _, metadata: $"Name=\"{name}\"");

        var build = project.Build();

        Assert.False(build.Succeeded);
        var error = Assert.Single(build.Errors(), e => e.Code == "MB1031");
        Assert.Equal(project.ProjectFile, error.File);
        Assert.Contains(project.PathOf("models/tiny.yaml"), error.Text, StringComparison.Ordinal);
        Assert.Equal(0, build.TaskRuns(EngineTask));
        Assert.False(File.Exists(project.PathOf("pwned.onnx")));
        Assert.False(Directory.Exists(Path.GetFullPath(Path.Combine(project.Directory, "..", "pwned"))));
        Assert.False(
            Directory.Exists(project.PathOf(ModelFolder)) && Directory.EnumerateFileSystemEntries(project.PathOf(ModelFolder)).Any());
    }

    [Fact]
    public void The_manifest_name_names_the_model_and_an_unsafe_one_is_MB1030_on_its_line()
    {
        using var project = Tiny(sdk, out _);
        project.WriteFile("models/tiny.yaml", "name: classifier\n" + TinyModel.Manifest("tiny.onnx"));
        project.WriteFile("Program.cs", "System.Console.WriteLine(Consumer.Models.Classifier.ResourceName);\n");

        var named = project.Build();

        named.AssertSucceeded();
        Assert.True(File.Exists(project.PathOf($"{ModelFolder}/tiny/classifier.onnx")));
        Assert.Contains(
            "|Consumer.Models.classifier.onnx",
            File.ReadAllText(project.PathOf($"{ModelFolder}/tiny/outputs.txt")),
            StringComparison.Ordinal);

        project.WriteFile("models/tiny.yaml", "name: ../../escaped\n" + TinyModel.Manifest("tiny.onnx"));
        var escaped = project.Build();

        Assert.False(escaped.Succeeded);
        var error = Assert.Single(escaped.Errors(), e => e.Code == "MB1030");
        Assert.Equal((project.PathOf("models/tiny.yaml"), 1, 7), (error.File, error.LineNumber, error.ColumnNumber));
        Assert.False(File.Exists(project.PathOf("escaped.onnx")));
        Assert.False(File.Exists(project.PathOf("obj/escaped.onnx")));
    }

    /// <summary>The binary log's records as text: a gzip stream whose strings are stored as UTF-8.</summary>
    private static string RawBinlog(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
