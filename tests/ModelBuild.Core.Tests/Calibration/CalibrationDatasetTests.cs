using ModelBuild.Core.Calibration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Tensors;
using ModelBuild.Tests;
using DataType = ModelBuild.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace ModelBuild.Core.Tests.Calibration;

/// <summary>
/// Calibration data from folders and random settings: images prepared exactly as the compiled model expects
/// (through the same decoders and <see cref="ImagePreprocessor"/> apps use), .npy and .raw as they are, several
/// inputs paired by file name. Images are made by ImageMagick.
/// </summary>
public sealed class CalibrationDatasetTests : IDisposable
{
    private static readonly long[] ImageShape = [1, 3, 4, 6];
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A model that splits its image into its three channels, so calibration ranges show each channel's value.</summary>
    private static ModelProto ChannelSplitter() =>
        new OnnxGraphBuilder("channels")
            .Input("x", DataType.Float, 1, 3, 4, 6)
            .Node("Split", ["x"], ["c0", "c1", "c2"], OnnxAttributes.Int("axis", 1))
            .Output("c0", DataType.Float, 1, 1, 4, 6)
            .Output("c1", DataType.Float, 1, 1, 4, 6)
            .Output("c2", DataType.Float, 1, 1, 4, 6)
            .Build();

    [Theory]
    // The model was trained on BGR: it is fed B, G, R normalised with the manifest's per-channel values in that order.
    [InlineData("BGR", false, 10f, 20f, 34f)]
    // Trained on RGB: R, G, B.
    [InlineData("RGB", false, 95f, 20f, 0f)]
    // ModelConverter's default {from: RGB, to: BGR} keeps the model's semantics on the onnx target: it is fed RGB.
    [InlineData("{from: RGB, to: BGR}", false, 95f, 20f, 0f)]
    // With preprocessing baked into the model, it takes raw pixels in encoding.to order and normalises them itself.
    [InlineData("{from: RGB, to: BGR}", true, 30f, 100f, 200f)]
    public void A_colour_asymmetric_image_reaches_each_channel_in_the_order_the_model_expects(
        string encoding,
        bool baked,
        float first,
        float second,
        float third)
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        MakeImage("images/red-ish.png", 6, 4, "rgb(200,100,30)");
        var manifest = ManifestLoader.LoadText($$"""
            input_model: m.onnx
            inputs:
              - name: x
                shape: [1, 3, 4, 6]
                layout: NCHW
                encoding: {{encoding}}
                mean_values: [10, 20, 30]
                scale_values: [2, 4, 5]
                calibration:
                  path: images
            """, _folder.Combine("m.yaml")).Manifest!;
        var model = ChannelSplitter();
        var resolved = ManifestInputResolver.Resolve(manifest.SingleStage!, [new ModelInput("x", [1, 3, 4, 6])]);
        var inputs = CalibrationInputs.FromManifest(resolved.Inputs, ModelInputs(model), _folder.FullPath, baked);

        var ranges = new MinMaxCalibrator().Calibrate(new CalibrationRunner(model, CalibrationDataset.Open(inputs)), ["c0", "c1", "c2"]);

        Assert.Equal(new TensorRange(first, first), ranges["c0"]);
        Assert.Equal(new TensorRange(second, second), ranges["c1"]);
        Assert.Equal(new TensorRange(third, third), ranges["c2"]);
    }

    [Theory]
    [InlineData(ResizeMethod.Resize)]
    [InlineData(ResizeMethod.Crop)]
    [InlineData(ResizeMethod.Pad)]
    [InlineData(ResizeMethod.PadRight)]
    public void Images_are_resized_converted_and_normalised_exactly_as_the_app_preprocessor_does(ResizeMethod method)
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        MakeImage("images/gradient.png", 40, 30, "gradient:red-blue");
        var feed = new ImageFeed("NCHW", ColorEncoding.Bgr, [127.5f], [127.5f]);
        var input = new CalibrationInput(
            "x",
            TensorElementType.Float,
            [1, 3, 12, 16],
            new ImageCalibration(Path("images"), ResizeMethod: method),
            feed,
            _folder.FullPath);

        var tensor = CalibrationDataset.Open([input]).Read().Single().Inputs.Single().Value;

        var preprocessor = new ImagePreprocessor(new PreprocessingOptions
        {
            Width = 16,
            Height = 12,
            ResizeMethod = method,
            Encoding = ColorEncoding.Bgr,
            Mean = [127.5f],
            Scale = [127.5f]
        });
        Assert.Equal(
            preprocessor.ToFloat(ImageDecoder.DecodeFile(_folder.Combine("images", "gradient.png"))).Data,
            tensor.ToArray<float>());
        Assert.Equal([1L, 3, 12, 16], tensor.Shape);
    }

    [Fact]
    public void A_uint8_NHWC_input_gets_raw_interleaved_pixels()
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        MakeImage("images/a.png", 2, 1, "rgb(1,2,3)");
        var feed = new ImageFeed("NHWC", ColorEncoding.Rgb, [100f], [2f]);
        var input = new CalibrationInput(
            "x",
            TensorElementType.UInt8,
            [1, 1, 2, 3],
            new ImageCalibration(Path("images")),
            feed,
            _folder.FullPath);

        var tensor = CalibrationDataset.Open([input]).Read().Single().Inputs.Single().Value;

        Assert.Equal(new byte[] { 1, 2, 3, 1, 2, 3 }, tensor.ToArray<byte>());
    }

    [Fact]
    public void Npy_files_feed_their_input_as_they_are_with_or_without_the_batch_axis()
    {
        Directory.CreateDirectory(_folder.Combine("tensors"));
        float[] values = [.. Enumerable.Range(0, 6).Select(i => i * 0.5f)];
        NpyFile.Write(_folder.Combine("tensors", "a.npy"), Tensor.Create(values, [1, 2, 3]));
        NpyFile.Write(_folder.Combine("tensors", "b.npy"), Tensor.Create(values, [2, 3]));

        var samples = CalibrationDataset.Open([Input([1, 2, 3], new ImageCalibration(Path("tensors")))]).Read().ToList();

        Assert.Equal(["a.npy", "b.npy"], samples.Select(s => s.Name));
        Assert.All(samples, s => Assert.Equal(values, s.Inputs[0].Value.ToArray<float>()));
        Assert.All(samples, s => Assert.Equal([1L, 2, 3], s.Inputs[0].Value.Shape));
    }

    [Fact]
    public void An_npy_of_another_type_or_size_is_MB8104()
    {
        Directory.CreateDirectory(_folder.Combine("tensors"));
        NpyFile.Write(_folder.Combine("tensors", "a.npy"), Tensor.Create(new double[6], [1, 2, 3]));

        var error = Assert.Throws<DiagnosticException>(
            () => CalibrationDataset.Open([Input([1, 2, 3], new ImageCalibration(Path("tensors")))]).Read().ToList());

        Assert.Equal("MB8104", error.Diagnostic.Code);
        Assert.Contains("float32[1,2,3]", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_files_take_their_shape_and_type_from_the_input()
    {
        Directory.CreateDirectory(_folder.Combine("raw"));
        var values = new short[] { 1, -2, 300, -400 };
        File.WriteAllBytes(_folder.Combine("raw", "0.raw"), Tensor.Create(values, [4]).AsBytes().ToArray());

        var sample = CalibrationDataset.Open([Input([2, 2], new ImageCalibration(Path("raw")), TensorElementType.Int16)]).Read().Single();

        Assert.Equal(values, sample.Inputs[0].Value.ToArray<short>());
        Assert.Equal([2L, 2], sample.Inputs[0].Value.Shape);
    }

    [Fact]
    public void Files_are_decoded_once_and_kept_for_the_next_reading_unless_one_cannot_be_read()
    {
        Directory.CreateDirectory(_folder.Combine("kept"));
        foreach (var (name, value) in new[] { ("0.raw", (short)0), ("1.raw", (short)1), ("2.raw", (short)2) })
        {
            File.WriteAllBytes(_folder.Combine("kept", name), Tensor.Create(new[] { value, value, value, value }, [4]).AsBytes().ToArray());
        }

        var dataset = CalibrationDataset.Open([Input([2, 2], new ImageCalibration(Path("kept")), TensorElementType.Int16)]);
        var first = dataset.Read().ToList();
        Directory.Delete(_folder.Combine("kept"), recursive: true);

        // The files are gone: the second reading (the accuracy measurement's) is the first one's samples.
        Assert.Equal(first, dataset.Read().ToList());
        Assert.Equal(Enumerable.Repeat((short)2, 4), first[2].Inputs[0].Value.ToArray<short>());

        // A file that cannot be read throws at its turn, and nothing is kept: the next reading reads the files again.
        Directory.CreateDirectory(_folder.Combine("broken"));
        File.WriteAllBytes(_folder.Combine("broken", "0.raw"), Tensor.Create(new short[] { 7, 7, 7, 7 }, [4]).AsBytes().ToArray());
        File.WriteAllBytes(_folder.Combine("broken", "1.raw"), [1, 2, 3]);
        var broken = CalibrationDataset.Open([Input([2, 2], new ImageCalibration(Path("broken")), TensorElementType.Int16)]);
        var yielded = new List<CalibrationSample>();
        var error = Assert.Throws<DiagnosticException>(() => yielded.AddRange(broken.Read()));
        Assert.Equal("MB8105", error.Diagnostic.Code);
        Assert.Single(yielded);
        File.WriteAllBytes(_folder.Combine("broken", "1.raw"), Tensor.Create(new short[] { 8, 8, 8, 8 }, [4]).AsBytes().ToArray());
        Assert.Equal(Enumerable.Repeat((short)8, 4), broken.Read().Last().Inputs[0].Value.ToArray<short>());
    }

    [Fact]
    public void A_raw_file_of_the_wrong_size_is_MB8105()
    {
        Directory.CreateDirectory(_folder.Combine("raw"));
        File.WriteAllBytes(_folder.Combine("raw", "0.raw"), new byte[7]);

        var error = Assert.Throws<DiagnosticException>(
            () => CalibrationDataset.Open([Input([2, 2], new ImageCalibration(Path("raw")))]).Read().ToList());

        Assert.Equal("MB8105", error.Diagnostic.Code);
        Assert.Contains("needs 16", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_inputs_are_paired_by_sorted_file_name_and_max_images_takes_the_first()
    {
        foreach (var (input, offset) in new[] { ("a", 0f), ("b", 100f) })
        {
            Directory.CreateDirectory(_folder.Combine(input));
            foreach (var name in new[] { "2", "10", "1" })
            {
                NpyFile.Write(
                    _folder.Combine(input, name + ".npy"),
                    Tensor.Create([offset + float.Parse(name, System.Globalization.CultureInfo.InvariantCulture)], [1]));
            }
        }

        var data = CalibrationDataset.Open(
        [
            Input([1], new ImageCalibration(Path("a"), MaxImages: 2), name: "a"),
            Input([1], new ImageCalibration(Path("b"), MaxImages: 2), name: "b"),
        ]);

        // Ordinal order: 1, 10, 2; the first two.
        var pairs = data.Read().Select(s => (s.Inputs[0].Value.ToArray<float>()[0], s.Inputs[1].Value.ToArray<float>()[0])).ToList();
        Assert.Equal([(1f, 101f), (10f, 110f)], pairs);
    }

    [Fact]
    public void Inputs_with_different_file_counts_are_MB8103()
    {
        foreach (var (input, count) in new[] { ("a", 3), ("b", 2) })
        {
            Directory.CreateDirectory(_folder.Combine(input));
            for (var i = 0; i < count; i++)
            {
                NpyFile.Write(_folder.Combine(input, $"{i}.npy"), Tensor.Create([0f], [1]));
            }
        }

        var error = Assert.Throws<DiagnosticException>(() => CalibrationDataset.Open(
            [Input([1], new ImageCalibration(Path("a")), name: "a"), Input([1], new ImageCalibration(Path("b")), name: "b")]));

        Assert.Equal("MB8103", error.Diagnostic.Code);
        Assert.Contains("'a' has 3", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_data_is_the_same_every_time_clipped_to_its_range_and_normalised_for_image_inputs()
    {
        var spec = new RandomCalibration(MaxImages: 3, MinValue: 100, MaxValue: 150, Mean: 127.5, Std: 35);
        var raw = Input([1, 3, 4, 6], spec);
        var normalised = raw with { Image = new ImageFeed("NCHW", ColorEncoding.Bgr, [127.5f], [127.5f]) };

        var first = CalibrationDataset.Open([raw]).Read().Select(s => s.Inputs[0].Value.ToArray<float>()).ToList();
        var second = CalibrationDataset.Open([raw]).Read().Select(s => s.Inputs[0].Value.ToArray<float>()).ToList();
        var scaled = CalibrationDataset.Open([normalised]).Read().Select(s => s.Inputs[0].Value.ToArray<float>()).ToList();

        Assert.Equal(3, first.Count);
        Assert.Equal(first, second);
        Assert.NotEqual(first[0], first[1]);
        Assert.All(first.SelectMany(v => v), v => Assert.InRange(v, 100f, 150f));
        Assert.Contains(first[0], v => v == 100f);
        Assert.Equal(first[0].Select(v => (v - 127.5f) / 127.5f), scaled[0]);
    }

    [Fact]
    public void Inverted_random_ranges_are_MB8115()
    {
        var error = Assert.Throws<DiagnosticException>(
            () => CalibrationDataset.Open([Input([1], new RandomCalibration(MinValue: 5, MaxValue: 1))]));

        Assert.Equal("MB8115", error.Diagnostic.Code);
    }

    [Fact]
    public void A_missing_folder_an_empty_folder_and_a_file_are_MB8101_MB8102_MB8110()
    {
        Directory.CreateDirectory(_folder.Combine("empty"));
        File.WriteAllText(_folder.Combine("empty", "notes.txt"), "no data");
        File.WriteAllText(_folder.Combine("file.zip"), "zip");

        Assert.Equal("MB8101", Code(() => CalibrationDataset.Open([Input([1], new ImageCalibration(Path("missing")))])));
        Assert.Equal("MB8102", Code(() => CalibrationDataset.Open([Input([1], new ImageCalibration(Path("empty")))])));
        Assert.Equal("MB8110", Code(() => CalibrationDataset.Open([Input([1], new ImageCalibration(Path("file.zip")))])));
    }

    [Fact]
    public void A_dynamic_dimension_is_MB8106()
    {
        Assert.Equal("MB8106", Code(() => CalibrationDataset.Open([Input([-1, 3], RandomCalibration.Default)])));
    }

    [Fact]
    public void Images_for_an_input_that_is_not_an_image_are_MB8107_MB8108_or_MB8116()
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        MakeImage("images/a.png", 2, 2, "white");
        var images = new ImageCalibration(Path("images"));
        var feed = new ImageFeed("NCHW", ColorEncoding.Bgr, [], []);

        Assert.Equal("MB8107", Code(() => CalibrationDataset.Open([Input([2, 3], images) with { Image = feed with { Layout = "NC" } }])));
        Assert.Equal(
            "MB8108",
            Code(() => CalibrationDataset.Open([Input([1, 3, 2, 2], images, TensorElementType.Int64) with { Image = feed }])));
        Assert.Equal(
            "MB8116",
            Code(
                () => CalibrationDataset.Open([Input([1, 3, 2, 2], images) with { Image = feed with { Encoding = ColorEncoding.Gray } }])));
    }

    [Fact]
    public void A_file_that_is_not_an_image_keeps_the_decoders_code_names_the_file_and_points_at_calibration_path()
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        File.WriteAllText(_folder.Combine("images", "broken.png"), "this is text, not a PNG");
        var input = Input([1, 3, 2, 2], new ImageCalibration(Path("images"))) with
        {
            Image = new ImageFeed(
            "NCHW",
            ColorEncoding.Bgr,
            [],
            [])
        };

        var error = Assert.Throws<DiagnosticException>(() => CalibrationDataset.Open([input]).Read().ToList());

        Assert.Equal("MB8006", error.Diagnostic.Code);
        Assert.Equal(new SourceLocation(_folder.Combine("m.yaml"), 5, 9), error.Diagnostic.Location);
        Assert.Contains("broken.png", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_calibration_data_are_one_MB8030_with_their_count_and_first_names()
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        MakeImage("images/a.png", 2, 2, "white");
        MakeImage("images/b.PNG", 2, 2, "black");
        foreach (var name in new[] { "notes.txt", "labels.csv", "c.tiff", "d.gif", "e.webp", "f.heic", "README" })
        {
            File.WriteAllText(_folder.Combine("images", name), "not calibration data");
        }

        var input = Input([1, 3, 2, 2], new ImageCalibration(Path("images"))) with
        {
            Image = new ImageFeed(
            "NCHW",
            ColorEncoding.Bgr,
            [],
            [])
        };

        var dataset = CalibrationDataset.Open([input]);

        Assert.Equal(2, dataset.Count);
        var warning = Assert.Single(dataset.Warnings);
        Assert.Equal("MB8030", warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(new SourceLocation(_folder.Combine("m.yaml"), 5, 9), warning.Location);
        Assert.Contains("holds 7 file(s)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("'README', 'c.tiff', 'd.gif', 'e.webp', 'f.heic', …", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("notes.txt", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_of_calibration_files_only_gives_no_warning()
    {
        Directory.CreateDirectory(_folder.Combine("images"));
        MakeImage("images/a.png", 2, 2, "white");
        var input = Input([1, 3, 2, 2], new ImageCalibration(Path("images"))) with
        {
            Image = new ImageFeed(
            "NCHW",
            ColorEncoding.Bgr,
            [],
            [])
        };

        Assert.Empty(CalibrationDataset.Open([input]).Warnings);
    }

    [Fact]
    public void Every_reader_of_calibration_folders_takes_the_same_files()
    {
        Directory.CreateDirectory(_folder.Combine("mixed"));
        foreach (var name in new[] { "a.jpg", "b.JPEG", "c.png", "d.bmp", "e.npy", "f.raw", "g.txt", "h.gif" })
        {
            File.WriteAllText(_folder.Combine("mixed", name), "x");
        }

        var listing = CalibrationFolder.List(_folder.Combine("mixed"));

        Assert.Equal(["a.jpg", "b.JPEG", "c.png", "d.bmp", "e.npy", "f.raw"], listing.Files.Select(System.IO.Path.GetFileName));
        Assert.Equal(["g.txt", "h.gif"], listing.Skipped.Select(System.IO.Path.GetFileName));
        var vendorInput = new Core.Toolchains.VendorInput(
            "x",
            [1, 3, 2, 2],
            "NCHW",
            TensorDataType.Float32,
            null,
            null,
            EncodingSpec.Default,
            new ImageCalibration(Path("mixed")),
            Path("mixed").Location,
            null);
        Assert.Equal(listing.Files, Core.Toolchains.CalibrationSamples.List(vendorInput, _folder.FullPath, "test").Select(s => s.File));
    }

    [Fact]
    public void A_linked_calibration_is_MB8109()
    {
        var link = new LinkCalibration(new Located<string>("first", new SourceLocation("m.yaml", 3, 4)), null, null);

        Assert.Equal("MB8109", Code(() => CalibrationDataset.Open([Input([1], link)])));
    }

    private CalibrationInput Input(
        long[] shape,
        CalibrationSpec source,
        TensorElementType type = TensorElementType.Float,
        string name = "x") =>
        new(name, type, shape, source, null, _folder.FullPath);

    private Located<string> Path(string relative) => new(relative, new SourceLocation(_folder.Combine("m.yaml"), 5, 9));

    private void MakeImage(string relative, int width, int height, string fill)
    {
        DebianPackage.ImageMagick.Require("/usr/bin/convert");
        var result = ProcessRunner.Run("convert", ["-size", $"{width}x{height}", fill.StartsWith("gradient", StringComparison.Ordinal)
            ? fill
            : $"xc:{fill}", "-depth", "8", _folder.Combine(relative)]);
        Assert.True(result.Succeeded, "ImageMagick's convert failed: " + result.Output);
    }

    private static IReadOnlyList<TensorInfo> ModelInputs(ModelProto model)
    {
        using var session = new ModelSession(OnnxModelFile.Write(model));
        return session.Inputs;
    }

    private static string Code(Action action) => Assert.Throws<DiagnosticException>(action).Diagnostic.Code;
}
