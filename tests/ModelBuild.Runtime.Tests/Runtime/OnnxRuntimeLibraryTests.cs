namespace ModelBuild.Runtime.Tests.Runtime;

public sealed class OnnxRuntimeLibraryTests
{
    [Fact]
    public void Version_is_the_one_the_build_fetched()
    {
        Assert.Equal("1.30.0", OnnxRuntimeLibrary.Version);
    }

    [Fact]
    public void Library_is_found_under_the_output_runtimes_folder()
    {
        var expected = Path.Combine(AppContext.BaseDirectory, "runtimes", NativeLibraryLocator.RuntimeIdentifier, "native", NativeLibraryLocator.LibraryFileName);

        Assert.Equal(Path.GetFullPath(expected), OnnxRuntimeLibrary.LibraryPath);
        Assert.True(File.Exists(OnnxRuntimeLibrary.LibraryPath));
    }

    [Fact]
    public void Requested_api_version_is_the_lowest_with_every_function_used()
    {
        // AddSessionConfigEntry, the newest function the binding calls, came with C API version 5.
        Assert.Equal(5u, OnnxRuntimeLibrary.ApiVersion);
    }

    [Fact]
    public void Locator_reports_MB5001_with_every_place_tried()
    {
        using var temp = new TempFolder();
        var first = Path.Combine(temp.Path, "a");
        var second = Path.Combine(temp.Path, "b");

        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLocator.Locate(null, [first, second]));

        Assert.StartsWith("MB5001: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(first, NativeLibraryLocator.RelativePath), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(second, NativeLibraryLocator.RelativePath), error.Message, StringComparison.Ordinal);
        Assert.Contains("MODELBUILD_ONNXRUNTIME (not set)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Set the MODELBUILD_ONNXRUNTIME environment variable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locator_takes_the_first_directory_that_has_the_library()
    {
        using var temp = new TempFolder();
        var missing = Path.Combine(temp.Path, "missing");
        var present = Path.Combine(temp.Path, "present");
        var library = Path.Combine(present, NativeLibraryLocator.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(library)!);
        File.WriteAllBytes(library, [0]);

        Assert.Equal(library, NativeLibraryLocator.Locate(null, [missing, present]));
    }

    [Fact]
    public void Locator_prefers_the_environment_variable_and_never_falls_back_from_it()
    {
        using var temp = new TempFolder();
        var chosen = Path.Combine(temp.Path, "custom-ort.so");
        File.WriteAllBytes(chosen, [0]);
        var bundled = Path.Combine(temp.Path, "bundled");
        var bundledLibrary = Path.Combine(bundled, NativeLibraryLocator.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(bundledLibrary)!);
        File.WriteAllBytes(bundledLibrary, [0]);

        Assert.Equal(chosen, NativeLibraryLocator.Locate(chosen, [bundled]));

        var wrong = Path.Combine(temp.Path, "no-such-file.so");
        var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLocator.Locate(wrong, [bundled]));
        Assert.StartsWith("MB5001: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(wrong, error.Message, StringComparison.Ordinal);
    }
}
