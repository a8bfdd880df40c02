using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Imaging.Preprocessing;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

public sealed class ManifestLoaderTests
{
    [Fact]
    public void Flat_manifest_keeps_stage_defaults_and_per_input_values_with_locations()
    {
        var manifest = LoadValid("""
            input_model: models/resnet18.onnx
            shape: [1, 3, 224, 224]
            data_type: float32
            mean_values: 127.5
            scale_values: [58.395, 57.12, 57.375]
            inputs:
              - name: images
                shape: [1, 3, 256, 256]
                layout: nchw
                data_type: uint8
                frozen_value: [1, 2]
            outputs:
              - name: logits
                data_type: float16
            """);

        var stage = Assert.Single(manifest.Stages);
        Assert.False(manifest.IsMultiStage);
        Assert.Same(stage, manifest.SingleStage);
        Assert.Equal([1L, 3, 224, 224], stage.Defaults.Shape!.Value);
        Assert.Equal(At(2, 8), stage.Defaults.Shape.Location);
        Assert.Equal(TensorDataType.Float32, stage.Defaults.DataType!.Value);
        Assert.Equal(ChannelValues.Broadcast(127.5), stage.Defaults.MeanValues!.Value);
        Assert.Equal(At(4, 14), stage.Defaults.MeanValues.Location);
        Assert.Equal(ChannelValues.PerChannel([58.395, 57.12, 57.375]), stage.Defaults.ScaleValues!.Value);

        var input = Assert.Single(stage.Inputs);
        Assert.Equal(new Located<string>("images", At(7, 11)), input.Name);
        Assert.Equal([1L, 3, 256, 256], input.Shape!.Value);
        Assert.Equal(At(8, 12), input.Shape.Location);
        Assert.Equal(new Located<string>("NCHW", At(9, 13)), input.Layout);
        Assert.Equal(new Located<TensorDataType>(TensorDataType.UInt8, At(10, 16)), input.DataType);
        Assert.Null(input.MeanValues);
        Assert.Null(input.Encoding);
        Assert.IsType<ManifestSequence>(input.FrozenValue);
        Assert.Equal(At(7, 5), input.Location);

        var output = Assert.Single(stage.Outputs);
        Assert.Equal("logits", output.Name.Value);
        Assert.Equal(TensorDataType.Float16, output.DataType!.Value);

        // Output types are kept for the vendor targets; the ONNX pipeline does not cast outputs.
        Assert.Equal(["outputs.0.data_type"], manifest.NotAppliedKeys.Select(k => k.Value));
    }

    [Fact]
    public void Name_defaults_to_the_model_file_stem()
    {
        var manifest = LoadValid("input_model: npm:@acme/models@1.2.0/vision/mobilenet_v2.onnx?x=1\n");

        Assert.Equal("mobilenet_v2", manifest.Name.Value);
        Assert.Equal(At(1, 14), manifest.Name.Location);
        Assert.Equal("mobilenet_v2", manifest.Stages[0].Name.Value);
    }

    [Fact]
    public void Explicit_name_wins_over_the_stem()
    {
        var manifest = LoadValid("name: classifier\ninput_model: resnet18.onnx\n");

        Assert.Equal(new Located<string>("classifier", At(1, 7)), manifest.Name);
        Assert.Equal("classifier", manifest.Stages[0].Name.Value);
    }

    [Theory]
    [InlineData("resnet18.onnx", ModelSourceKind.Path, null, ModelFileFormat.Onnx, "resnet18")]
    [InlineData("../shared/model.xml", ModelSourceKind.Path, null, ModelFileFormat.OpenVinoIr, "model")]
    [InlineData(@"C:\models\net.tflite", ModelSourceKind.Path, null, ModelFileFormat.TfLite, "net")]
    [InlineData("https://example.invalid/a/b/yolo.onnx#frag", ModelSourceKind.Uri, "https", ModelFileFormat.Onnx, "yolo")]
    [InlineData("HTTP://example.invalid/m.dlc", ModelSourceKind.Uri, "http", ModelFileFormat.Dlc, "m")]
    [InlineData("file:///opt/models/x.onnx", ModelSourceKind.Uri, "file", ModelFileFormat.Onnx, "x")]
    [InlineData("npm:onnx-models@2.0.1/squeezenet.onnx", ModelSourceKind.Uri, "npm", ModelFileFormat.Onnx, "squeezenet")]
    [InlineData("s3://bucket/key/model.pt", ModelSourceKind.Uri, "s3", ModelFileFormat.PyTorch, "model")]
    [InlineData("hf:org/repo/weights", ModelSourceKind.Uri, "hf", ModelFileFormat.Unknown, "weights")]
    public void Input_model_string_is_kept_raw_and_classified(
        string source,
        ModelSourceKind kind,
        string? scheme,
        ModelFileFormat format,
        string stem)
    {
        var spec = LoadValid($"input_model: '{source}'\n").Stages[0].InputModel;

        Assert.Equal(new Located<string>(source, At(1, 14)), spec.Source);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(scheme, spec.Scheme);
        Assert.Equal(format, spec.Format);
        Assert.Equal(stem, spec.Stem);
        Assert.Null(spec.Sha256);
        Assert.Null(spec.Size);
    }

    [Fact]
    public void Input_model_mapping_keeps_source_digest_and_size_with_locations()
    {
        var spec = LoadValid("""
            input_model:
              source: https://example.invalid/resnet18.onnx
              sha256: E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855
              size: 46830571
            """).Stages[0].InputModel;

        Assert.Equal(new Located<string>("https://example.invalid/resnet18.onnx", At(2, 11)), spec.Source);
        Assert.Equal(ModelSourceKind.Uri, spec.Kind);
        Assert.Equal(new Located<string>("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", At(3, 11)), spec.Sha256);
        Assert.Equal(new Located<long>(46830571, At(4, 9)), spec.Size);
    }

    [Fact]
    public void Imagenet_shorthand_gives_ModelConverter_values()
    {
        var defaults = LoadValid("""
            input_model: m.onnx
            mean_values: imagenet
            scale_values: "imagenet"
            """).Stages[0].Defaults;

        Assert.Equal([123.675, 116.28, 103.53], defaults.MeanValues!.Value.Values);
        Assert.Equal([58.395, 57.12, 57.375], defaults.ScaleValues!.Value.Values);
        Assert.Equal(ChannelValues.ImageNet, defaults.MeanValues.Value.PresetName);
        Assert.False(defaults.ScaleValues.Value.IsBroadcast);
    }

    [Theory]
    [InlineData("encoding: BGR", ColorEncoding.Bgr, ColorEncoding.Bgr)]
    [InlineData("encoding: NONE", ColorEncoding.None, ColorEncoding.None)]
    [InlineData("encoding: GRAY", ColorEncoding.Gray, ColorEncoding.Gray)]
    [InlineData("encoding: {from: BGR, to: RGB}", ColorEncoding.Bgr, ColorEncoding.Rgb)]
    [InlineData("encoding: {from: BGR}", ColorEncoding.Bgr, ColorEncoding.Bgr)]
    [InlineData("encoding: {to: RGB}", ColorEncoding.Rgb, ColorEncoding.Rgb)]
    [InlineData("encoding: {from: GRAY, to: BGR}", ColorEncoding.Gray, ColorEncoding.Gray)]
    [InlineData("encoding: {from: RGB, to: GRAY}", ColorEncoding.Gray, ColorEncoding.Gray)]
    public void Encoding_string_sets_both_sides_and_any_gray_makes_both_gray(string line, ColorEncoding from, ColorEncoding to)
    {
        var encoding = LoadValid($"input_model: m.onnx\n{line}\n").Stages[0].Defaults.Encoding;

        Assert.Equal(new EncodingSpec(from, to), encoding!.Value);
        Assert.Equal(At(2, 11), encoding.Location);
    }

    [Theory]
    [InlineData("encoding: ~")]
    [InlineData("encoding: {}")]
    public void Null_or_empty_encoding_means_not_set(string line)
    {
        Assert.Null(LoadValid($"input_model: m.onnx\n{line}\n").Stages[0].Defaults.Encoding);
    }

    [Fact]
    public void Calibration_forms_are_told_apart_and_merged_key_by_key()
    {
        var stage = LoadValid("""
            input_model: m.onnx
            calibration:
              path: calib/images
              max_images: 20
            inputs:
              - name: a
                calibration:
                  resize_method: PAD
              - name: b
                calibration: random
              - name: c
                calibration:
                  max_images: 5
                  path: other/
              - name: d
            """).Stages[0];

        Assert.Equal(new ImageCalibration(new Located<string>("calib/images", At(3, 9)), 20), stage.Defaults.Calibration!.Value);
        Assert.Equal(
            new ImageCalibration(new Located<string>("calib/images", At(3, 9)), 20, ResizeMethod.Pad),
            stage.Inputs[0].Calibration!.Value);
        Assert.Equal(RandomCalibration.Default, stage.Inputs[1].Calibration!.Value);
        Assert.Equal(new ImageCalibration(new Located<string>("other/", At(14, 13)), 5), stage.Inputs[2].Calibration!.Value);
        Assert.Null(stage.Inputs[3].Calibration);
    }

    [Fact]
    public void Pad_right_is_read_as_ModelBuilds_own_resize_method()
    {
        var stage = LoadValid("""
            input_model: m.onnx
            inputs:
              - name: x
                calibration:
                  path: lines
                  resize_method: PAD_RIGHT
            """).Stages[0];

        Assert.Equal(ResizeMethod.PadRight, Assert.IsType<ImageCalibration>(stage.Inputs[0].Calibration!.Value).ResizeMethod);
    }

    [Fact]
    public void Random_and_linked_calibration_keep_their_settings()
    {
        var stages = LoadValid("""
            stages:
              det:
                input_model: det.onnx
                calibration: {max_images: 8, min_value: -1, max_value: 1, mean: 0, std: 0.5, data_type: float16}
              head:
                input_model: head.onnx
                calibration:
                  stage: det
                  output: features
            """).Stages;

        Assert.Equal(new RandomCalibration(8, -1, 1, 0, 0.5, TensorDataType.Float16), stages[0].Defaults.Calibration!.Value);
        var link = Assert.IsType<LinkCalibration>(stages[1].Defaults.Calibration!.Value);
        Assert.Equal(new Located<string>("det", At(8, 14)), link.Stage);
        Assert.Equal("features", link.Output!.Value);
        Assert.Null(link.Script);
    }

    [Fact]
    public void Stages_get_top_level_keys_they_do_not_set()
    {
        var manifest = LoadValid("""
            data_type: float16
            shape: [1, 3, 64, 64]
            stages:
              stage_a:
                input_model: a.onnx
              stage_b:
                input_model: b.onnx
                shape: [1, 3, 32, 32]
            """);

        Assert.True(manifest.IsMultiStage);
        Assert.Null(manifest.SingleStage);
        Assert.Equal(["stage_a", "stage_b"], manifest.Stages.Select(s => s.Name.Value));
        Assert.Equal(new Located<string>("stage_a-stage_b", At(3, 1)), manifest.Name);
        Assert.All(manifest.Stages, s => Assert.Equal(new Located<TensorDataType>(TensorDataType.Float16, At(1, 12)), s.Defaults.DataType));
        Assert.Equal([1L, 3, 64, 64], manifest.Stages[0].Defaults.Shape!.Value);
        Assert.Equal(At(2, 8), manifest.Stages[0].Defaults.Shape!.Location);
        Assert.Equal([1L, 3, 32, 32], manifest.Stages[1].Defaults.Shape!.Value);
        Assert.Equal(At(8, 12), manifest.Stages[1].Defaults.Shape!.Location);
    }

    [Fact]
    public void Staged_manifest_keeps_an_explicit_name_and_one_stage_is_a_single_model()
    {
        var manifest = LoadValid("""
            name: pipeline
            stages:
              s1: {input_model: a.onnx}
            """);

        Assert.Equal("pipeline", manifest.Name.Value);
        Assert.False(manifest.IsMultiStage);
        Assert.Equal("s1", manifest.SingleStage!.Name.Value);
    }

    [Fact]
    public void Keys_not_applied_yet_are_accepted_with_a_warning_at_their_key()
    {
        var result = Load("""
            input_model: m.onnx
            keep_intermediate_outputs: false
            rich_logging: true
            onnx_optimizations:
              fuse_add_mul_to_bn: false
            """);

        Assert.True(result.Succeeded);
        var warnings = result.Diagnostics.Where(d => d.Code == "MB1008").ToList();
        Assert.Equal(
            [
                "models/m.yaml(2,1): warning MB1008: 'keep_intermediate_outputs' is not applied yet by ModelBuild.",
                "models/m.yaml(3,1): warning MB1008: 'rich_logging' is not applied yet by ModelBuild.",
                "models/m.yaml(4,1): warning MB1008: 'onnx_optimizations' is not applied yet by ModelBuild.",
            ],
            warnings.Select(w => w.ToCanonicalString()));
        Assert.All(warnings, w => Assert.Equal(DiagnosticSeverity.Warning, w.Severity));
        var manifest = result.Manifest!;
        Assert.Equal(["keep_intermediate_outputs", "rich_logging", "onnx_optimizations"], manifest.NotAppliedKeys.Select(k => k.Value));
        Assert.False(manifest.Stages[0].NotApplied.KeepIntermediateOutputs);
        Assert.False(manifest.Stages[0].NotApplied.OnnxOptimizations.FuseAddMulToBn);
        Assert.True(manifest.Stages[0].NotApplied.OnnxOptimizations.FuseSplitConcatToConv);
    }

    [Fact]
    public void A_top_level_key_not_applied_yet_warns_once_for_all_stages()
    {
        var result = Load("""
            keep_intermediate_outputs: true
            stages:
              a: {input_model: a.onnx}
              b: {input_model: b.onnx}
            """);

        Assert.True(result.Succeeded);
        Assert.Equal(At(1, 1), Single(result, "MB1008").Location);
    }

    [Fact]
    public void A_linked_calibration_script_is_reported_once_as_not_applied_yet()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - name: coeffs
                calibration:
                  stage: seg
                  script: post.py
            """);

        Assert.True(result.Succeeded);
        var warning = Single(result, "MB1008");
        Assert.Equal(At(6, 7), warning.Location);
        Assert.Equal("'inputs.0.calibration.script' is not applied yet by ModelBuild.", warning.Message);
    }

    [Fact]
    public void Onnx_simplification_reads_names_false_and_the_deprecated_switch()
    {
        Assert.Equal(OnnxSimplifier.Onnxsim, LoadValid("input_model: m.onnx\n").Stages[0].OnnxSimplification.Value);
        Assert.Equal(
            OnnxSimplifier.Onnxslim,
            LoadValid("input_model: m.onnx\nonnx_simplification: onnxslim\n").Stages[0].OnnxSimplification.Value);
        Assert.Equal(
            new Located<OnnxSimplifier>(OnnxSimplifier.Off, At(2, 22)),
            LoadValid("input_model: m.onnx\nonnx_simplification: false\n").Stages[0].OnnxSimplification);

        var deprecated = Load("input_model: m.onnx\ndisable_onnx_simplification: true\n");
        Assert.Equal(OnnxSimplifier.Off, deprecated.Manifest!.Stages[0].OnnxSimplification.Value);
        Assert.Equal(DiagnosticSeverity.Warning, Single(deprecated, "MB1011").Severity);
    }

    [Fact]
    public void Vendor_sections_get_ModelConverter_defaults_and_keep_what_is_set()
    {
        var vendors = LoadValid("""
            input_model: m.onnx
            hailo:
              optimization_level: 3
              compression_level: 3
              batch_size: 4
              alls: ["normalization1 = normalization([0, 0, 0], [255, 255, 255])"]
            rvc2:
              number_of_shaves: 6
              superblob: false
              mo_args: [--layout, nchw]
              n_workers: 4
            rvc4:
              quantization_mode: FP16_STANDARD
              htp_socs: [sm8650, qcs6490]
              encodings: {activation_encodings: {}, param_encodings: {}}
            """).Stages[0].Vendors;

        Assert.Equal(
            new HailoOptions(OptimizationLevel: 3, CompressionLevel: 3, BatchSize: 4) { Alls = vendors.Hailo.Alls },
            vendors.Hailo);
        Assert.Equal(["normalization1 = normalization([0, 0, 0], [255, 255, 255])"], vendors.Hailo.Alls);
        Assert.Equal("hailo8", vendors.Hailo.HwArch);
        Assert.Equal(6, vendors.Rvc2.NumberOfShaves);
        Assert.False(vendors.Rvc2.Superblob);
        Assert.Equal(["--layout", "nchw"], vendors.Rvc2.MoArgs);
        Assert.Equal(4, vendors.Rvc2.Workers);
        Assert.True(vendors.Rvc2.CompressToFp16);
        Assert.Equal("VPU", vendors.Rvc3.PotTargetDevice);
        Assert.Equal("FP16_STANDARD", vendors.Rvc4.QuantizationMode);
        Assert.Equal(["sm8650", "qcs6490"], vendors.Rvc4.HtpSocs);
        Assert.True(vendors.Rvc4.UsePerChannelQuantization);
        Assert.Equal(2, vendors.Rvc4.OptimizationLevel);
        Assert.IsType<ManifestMapping>(vendors.Rvc4.Encodings);
    }

    [Fact]
    public void Absent_vendor_sections_have_ModelConverter_defaults()
    {
        var vendors = LoadValid("input_model: m.onnx\n").Stages[0].Vendors;

        Assert.Equal(8, vendors.Rvc2.NumberOfShaves);
        Assert.True(vendors.Rvc2.Superblob);
        Assert.Equal(["sm8550"], vendors.Rvc4.HtpSocs);
        Assert.Equal("INT8_STANDARD", vendors.Rvc4.QuantizationMode);
        Assert.Equal(2, vendors.Hailo.OptimizationLevel);
        Assert.Equal(8, vendors.Hailo.BatchSize);
    }

    [Fact]
    public void Stage_level_disable_calibration_reaches_every_vendor_section()
    {
        var vendors = LoadValid("""
            input_model: m.onnx
            disable_calibration: true
            rvc4: {disable_calibration: false}
            """).Stages[0].Vendors;

        Assert.True(vendors.Hailo.DisableCalibration);
        Assert.True(vendors.Rvc2.DisableCalibration);
        Assert.True(vendors.Rvc3.DisableCalibration);
        Assert.True(vendors.Rvc4.DisableCalibration);
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_work_as_in_PyYAML()
    {
        var stage = LoadValid("""
            input_model: m.onnx
            shape: &dims [1, 3, 32, 32]
            inputs:
              - &base {name: a, data_type: uint8, encoding: BGR}
              - <<: *base
                name: b
                shape: *dims
            """).Stages[0];

        Assert.Equal(["a", "b"], stage.Inputs.Select(i => i.Name.Value));
        Assert.Equal(TensorDataType.UInt8, stage.Inputs[1].DataType!.Value);
        Assert.Equal([1L, 3, 32, 32], stage.Inputs[1].Shape!.Value);
        Assert.Equal(new Located<string>("b", At(6, 11)), stage.Inputs[1].Name);
    }

    [Fact]
    public void Quoted_numbers_and_yaml_booleans_are_read_as_ModelConverter_reads_them()
    {
        var stage = LoadValid("""
            input_model: m.onnx
            keep_intermediate_outputs: no
            calibration: {path: imgs, max_images: "50"}
            rvc2: {superblob: off, compress_to_fp16: True}
            """).Stages[0];

        Assert.False(stage.NotApplied.KeepIntermediateOutputs);
        Assert.Equal(50, Assert.IsType<ImageCalibration>(stage.Defaults.Calibration!.Value).MaxImages);
        Assert.False(stage.Vendors.Rvc2.Superblob);
        Assert.True(stage.Vendors.Rvc2.CompressToFp16);
    }

    [Fact]
    public void Manifest_file_is_loaded_with_its_full_path_in_locations()
    {
        var folder = Directory.CreateTempSubdirectory("modelbuild-manifest-");
        try
        {
            var path = Path.Combine(folder.FullName, "net.yaml");
            File.WriteAllText(path, "input_model: net.onnx\nmean_values: [1, 2]\nshape: [1, 3]\nencoding: bad\n");

            var result = ManifestLoader.Load(path);

            var error = Single(result, "MB1007");
            Assert.Equal(new SourceLocation(path, 4, 11), error.Location);
            Assert.StartsWith($"{path}(4,11): error MB1007:", error.ToCanonicalString(), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Same_text_loads_to_equal_manifests()
    {
        const string Yaml = "input_model: m.onnx\nname: same\nencoding: BGR\n";

        var first = LoadValid(Yaml);
        var second = LoadValid(Yaml);

        Assert.Equal(first.Name, second.Name);
        Assert.Equal(first.Stages[0].Defaults, second.Stages[0].Defaults);
        Assert.Equal(first.Stages[0].InputModel, second.Stages[0].InputModel);
    }
}
