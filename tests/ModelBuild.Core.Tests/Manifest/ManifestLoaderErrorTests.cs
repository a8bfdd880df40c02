using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using static ModelBuild.Core.Tests.Manifest.ManifestTesting;

namespace ModelBuild.Core.Tests.Manifest;

public sealed class ManifestLoaderErrorTests
{
    [Fact]
    public void Missing_manifest_reports_the_resolved_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelbuild-{Guid.NewGuid():N}", "absent.yaml");

        var result = ManifestLoader.Load(path);

        var error = Single(result, "MB1001");
        Assert.Equal(new SourceLocation(Path.GetFullPath(path)), error.Location);
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void Yaml_syntax_error_reports_YamlDotNet_line_and_column()
    {
        var result = Load("""
            input_model: m.onnx
            name: x
              shape: [1]
            """);

        var error = Single(result, "MB1002");
        Assert.Equal(At(3, 8), error.Location);
        Assert.Contains("invalid mapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unterminated_quote_reports_where_the_scalar_starts()
    {
        var result = Load("""
            input_model: m.onnx
            name: 'abc
            """);

        Assert.Equal(At(2, 7), Single(result, "MB1002").Location);
    }

    [Fact]
    public void Unclosed_flow_list_is_a_syntax_error_with_a_location_not_an_exception()
    {
        var result = Load("""
            input_model: m.onnx
            shape: [1, 3
            name: x
            """);

        var error = Single(result, "MB1002");
        Assert.Equal(YamlPath, error.Location!.FilePath);
        Assert.True(error.Location.Line >= 2, error.ToString());
    }

    [Fact]
    public void Alias_without_anchor_is_reported_at_the_alias()
    {
        var result = Load("""
            input_model: m.onnx
            shape: *dims
            """);

        var error = Single(result, "MB1002");
        Assert.Equal(At(2, 8), error.Location);
        Assert.Contains("*dims", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- a\n- b\n", "a list")]
    [InlineData("just text\n", "'just text'")]
    [InlineData("", "an empty document")]
    public void Top_level_must_be_a_mapping(string yaml, string found)
    {
        var error = Single(Load(yaml), "MB1003");

        Assert.Equal(At(1, 1), error.Location);
        Assert.Equal($"The manifest must be a mapping of keys to values; found {found}.", error.Message);
    }

    [Fact]
    public void Unknown_key_reports_line_column_and_did_you_mean()
    {
        var result = Load("""
            name: classifier
            input_modle: resnet18.onnx
            """);

        var error = Single(result, "MB1004");
        Assert.Equal(At(2, 1), error.Location);
        Assert.Equal("Unknown key 'input_modle'. Did you mean 'input_model'?", error.Message);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
    }

    [Fact]
    public void Unknown_nested_key_names_its_path_and_the_closest_key()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - name: images
                shpe: [1, 3, 224, 224]
            """);

        var error = Single(result, "MB1004");
        Assert.Equal(At(4, 5), error.Location);
        Assert.Equal("Unknown key 'inputs.0.shpe'. Did you mean 'shape'?", error.Message);
    }

    [Fact]
    public void Unknown_key_with_nothing_close_lists_the_valid_keys()
    {
        var result = Load("""
            input_model: m.onnx
            encoding:
              from: RGB
              colour: BGR
            """);

        var error = Single(result, "MB1004");
        Assert.Equal(At(4, 3), error.Location);
        Assert.Equal("Unknown key 'encoding.colour'. Valid keys here: from, to.", error.Message);
    }

    [Fact]
    public void Key_outside_ModelConverter_schema_is_an_error_even_at_stage_level()
    {
        var result = Load("""
            stages:
              detector:
                input_model: det.onnx
                name: det
            """);

        var error = Single(result, "MB1004");
        Assert.Equal(At(4, 5), error.Location);
        Assert.StartsWith("Unknown key 'stages.detector.name'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_that_is_not_a_list_is_reported_at_the_value()
    {
        var result = Load("""
            input_model: m.onnx
            shape: abc
            """);

        var error = Single(result, "MB1005");
        Assert.Equal(At(2, 8), error.Location);
        Assert.Equal("'shape' must be a list of non-negative integers; found 'abc'.", error.Message);
    }

    [Fact]
    public void Bad_item_in_mean_values_is_reported_at_that_item()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - name: images
                mean_values: [1, x, 3]
            """);

        var error = Single(result, "MB1005");
        Assert.Equal(At(4, 22), error.Location);
        Assert.Equal("'inputs.0.mean_values.1' must be a number; found 'x'.", error.Message);
    }

    [Theory]
    [InlineData("shape: [1, -3, 224, 224]", 1, 12, "'shape.1' must be a non-negative integer; found '-3'.")]
    [InlineData("scale_values: {r: 1}", 1, 15, "'scale_values' must be a number, a list of numbers or 'imagenet'; found a mapping.")]
    [InlineData("mean_values: imagnet", 1, 14, "'mean_values' must be a number, a list of numbers or 'imagenet'; found 'imagnet'.")]
    [InlineData("keep_intermediate_outputs: maybe", 1, 28, "'keep_intermediate_outputs' must be true or false; found 'maybe'.")]
    [InlineData("rvc2:\n  number_of_shaves: many", 2, 21, "'rvc2.number_of_shaves' must be an integer; found 'many'.")]
    [InlineData("inputs: images", 1, 9, "'inputs' must be a list of inputs; found 'images'.")]
    [InlineData("input_model: {source: m.onnx, size: -1}", 1, 37, "'input_model.size' must be a non-negative integer (bytes); found '-1'.")]
    public void Wrong_value_type_is_reported_at_the_value(string line, int atLine, int atColumn, string message)
    {
        var yaml = line.StartsWith("input_model", StringComparison.Ordinal) ? line : line + "\ninput_model: m.onnx";

        var error = Single(Load(yaml), "MB1005");

        Assert.Equal(At(atLine, atColumn), error.Location);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_with_the_line_of_the_first()
    {
        var result = Load("""
            input_model: a.onnx
            name: a
            shape: [1, 3, 8, 8]
            name: b
            """);

        var error = Single(result, "MB1006");
        Assert.Equal(At(4, 1), error.Location);
        Assert.Equal("Duplicate key 'name'; it is already set at line 2.", error.Message);
    }

    [Fact]
    public void Every_duplicate_key_is_reported_not_only_the_first()
    {
        var result = Load("""
            input_model: a.onnx
            name: a
            name: b
            inputs:
              - name: x
                shape: [1]
                shape: [2]
            """);

        var lines = result.Diagnostics.Where(d => d.Code == "MB1006").Select(d => d.Location!.Line).ToList();
        Assert.Equal([3, 7], lines);
    }

    [Fact]
    public void Invalid_encoding_lists_the_valid_ones_and_the_closest()
    {
        var result = Load("""
            input_model: m.onnx
            encoding: RGBA
            """);

        var error = Single(result, "MB1007");
        Assert.Equal(At(2, 11), error.Location);
        Assert.Equal("Invalid value 'RGBA' for 'encoding'. Valid values: RGB, BGR, GRAY, NONE. Did you mean 'RGB'?", error.Message);
    }

    [Fact]
    public void Invalid_encoding_inside_from_to_is_reported_at_that_value()
    {
        var result = Load("""
            input_model: m.onnx
            encoding:
              from: rgb
              to: BGR
            """);

        var error = Single(result, "MB1007");
        Assert.Equal(At(3, 9), error.Location);
        Assert.EndsWith("Did you mean 'RGB'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_data_type_lists_ModelConverter_names()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - name: images
                data_type: flaot32
            """);

        var error = Single(result, "MB1007");
        Assert.Equal(At(4, 16), error.Location);
        Assert.Equal(
            "Invalid value 'flaot32' for 'inputs.0.data_type'. Valid values: bfloat16, float16, float32, float64, int4, int8, int16, " +
                "int32, int64, "
            + "uint4, uint8, uint16, uint32, uint64, boolean, string, ufxp8, ufxp16, ufxp32, ufxp64, fxp8, fxp16, fxp32, fxp64. Did you " +
                "mean 'float32'?",
            error.Message);
    }

    [Theory]
    [InlineData("NC1W")]
    [InlineData("NCHH")]
    public void Invalid_layout_letters_are_reported(string layout)
    {
        var error = Single(Load($"input_model: m.onnx\nlayout: {layout}\n"), "MB1007");

        Assert.Equal(At(2, 9), error.Location);
        Assert.Equal(
            $"Invalid value '{layout}' for 'layout'. Valid values: letters A-Z, each at most once (for example NCHW or NHWC).",
            error.Message);
    }

    [Theory]
    [InlineData(
        "hailo:\n  optimization_level: 7",
        2,
        23,
        "Invalid value '7' for 'hailo.optimization_level'. Valid values: -100, 0, 1, 2, 3, 4.")]
    [InlineData("hailo:\n  hw_arch: hailo9", 2, 12, "Invalid value 'hailo9' for 'hailo.hw_arch'. Valid values: hailo8, hailo8l, hailo8r, " +
        "hailo10h, hailo15h, hailo15m. Did you mean 'hailo8'?")]
    [InlineData("rvc4:\n  quantization_mode: INT8_STANDART", 2, 22, "Invalid value 'INT8_STANDART' for 'rvc4.quantization_mode'. Valid " +
        "values: INT8_STANDARD, INT8_ACCURACY_FOCUSED, INT8_INT16_MIXED, INT8_INT16_MIXED_ACCURACY_FOCUSED, INT16_STANDARD, " +
            "FP16_STANDARD, CUSTOM. Did you mean 'INT8_STANDARD'?")]
    [InlineData(
        "rvc4:\n  htp_socs: [sm8550, sm9000]",
        2,
        22,
        "Invalid value 'sm9000' for 'rvc4.htp_socs.1'. Valid values: sm8350, sm8450, sm8550, sm8650, qcs6490, qcs8550.")]
    [InlineData(
        "rvc3:\n  pot_target_device: GPU",
        2,
        22,
        "Invalid value 'GPU' for 'rvc3.pot_target_device'. Valid values: VPU, ANY. Did you mean 'VPU'?")]
    [InlineData(
        "calibration:\n  path: imgs\n  resize_method: STRETCH",
        3,
        18,
        "Invalid value 'STRETCH' for 'calibration.resize_method'. Valid values: RESIZE, CROP, PAD, PAD_RIGHT.")]
    [InlineData(
        "calibration:\n  path: imgs\n  resize_method: pad_right",
        3,
        18,
        "Invalid value 'pad_right' for 'calibration.resize_method'. Valid values: RESIZE, CROP, PAD, PAD_RIGHT. Did you mean 'PAD_RIGHT'?")]
    [InlineData(
        "onnx_simplification: onnxsimp",
        1,
        22,
        "Invalid value 'onnxsimp' for 'onnx_simplification'. Valid values: onnxsim, onnxslim, false. Did you mean 'onnxsim'?")]
    public void Vendor_and_option_values_outside_their_sets_are_reported(string yaml, int line, int column, string message)
    {
        var error = Single(Load(yaml + "\ninput_model: m.onnx"), "MB1007");

        Assert.Equal(At(line, column), error.Location);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Missing_input_model_is_reported_on_the_mapping_that_needs_it()
    {
        var result = Load("""
            name: x
            shape: [1, 3, 8, 8]
            """);

        var error = Single(result, "MB1009");
        Assert.Equal(At(1, 1), error.Location);
        Assert.Equal("Missing required key 'input_model' in the manifest.", error.Message);
    }

    [Fact]
    public void Stage_without_input_model_is_reported_at_the_stage()
    {
        var result = Load("""
            stages:
              a:
                input_model: a.onnx
              b:
                shape: [1, 3, 8, 8]
            """);

        var error = Single(result, "MB1009");
        Assert.Equal(At(5, 5), error.Location);
        Assert.Equal("Missing required key 'input_model' in 'stages.b'.", error.Message);
    }

    [Fact]
    public void Input_without_name_is_reported()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - shape: [1, 3, 8, 8]
            """);

        var error = Single(result, "MB1009");
        Assert.Equal(At(3, 5), error.Location);
        Assert.Equal("Missing required key 'name' in 'inputs.0'.", error.Message);
    }

    [Fact]
    public void Linked_calibration_needs_output_or_script()
    {
        var result = Load("""
            input_model: m.onnx
            calibration:
              stage: detector
            """);

        var error = Single(result, "MB1009");
        Assert.Equal(At(3, 3), error.Location);
        Assert.Equal("Missing required key 'output' or 'script' in 'calibration'.", error.Message);
    }

    [Theory]
    [InlineData("abc123", "'abc123'")]
    [InlineData(
        "zz3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "'zz3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'")]
    public void Sha256_must_be_64_hex_characters(string digest, string found)
    {
        var result = Load($"""
            input_model:
              source: https://example.invalid/m.onnx
              sha256: {digest}
            """);

        var error = Single(result, "MB1010");
        Assert.Equal(At(3, 11), error.Location);
        Assert.Equal($"'input_model.sha256' must be a SHA-256 digest of 64 hexadecimal characters; found {found}.", error.Message);
    }

    [Fact]
    public void Input_model_mapping_needs_a_source()
    {
        var result = Load("""
            input_model:
              sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """);

        var error = Single(result, "MB1009");
        Assert.Equal(At(2, 3), error.Location);
        Assert.Equal("Missing required key 'source' in 'input_model'.", error.Message);
    }

    [Fact]
    public void Deprecated_key_warns_and_conflicts_with_its_replacement()
    {
        var result = Load("""
            input_model: m.onnx
            onnx_simplification: onnxsim
            disable_onnx_simplification: true
            """);

        var warning = Single(result, "MB1011");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(At(3, 1), warning.Location);
        Assert.Equal("'disable_onnx_simplification' is deprecated; use 'onnx_simplification: false' instead.", warning.Message);
        var conflict = Single(result, "MB1012");
        Assert.Equal(At(3, 1), conflict.Location);
        Assert.Equal("'disable_onnx_simplification' and 'onnx_simplification' cannot both be set.", conflict.Message);
    }

    [Fact]
    public void Input_listed_twice_is_reported_with_the_first_line()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - name: images
              - name: mask
              - name: images
            """);

        var error = Single(result, "MB1016");
        Assert.Equal(At(5, 11), error.Location);
        Assert.Equal("Input 'images' is listed more than once; it is first listed at line 3.", error.Message);
    }

    [Fact]
    public void Layout_and_shape_of_different_ranks_are_reported_at_the_layout()
    {
        var result = Load("""
            input_model: m.onnx
            inputs:
              - name: images
                shape: [1, 3, 224]
                layout: NCHW
            """);

        var error = Single(result, "MB1017");
        Assert.Equal(At(5, 13), error.Location);
        Assert.Equal("Layout 'NCHW' has 4 letters but shape [1, 3, 224] has 3 dimensions.", error.Message);
    }

    [Fact]
    public void More_than_one_document_is_an_error_at_the_second()
    {
        var result = Load("""
            input_model: a.onnx
            ---
            input_model: b.onnx
            """);

        Assert.Equal(At(2, 1), Single(result, "MB1018").Location);
    }

    [Fact]
    public void Calibration_keys_of_another_form_are_unknown()
    {
        var result = Load("""
            input_model: m.onnx
            calibration:
              path: calib/
              min_value: 0
            """);

        var error = Single(result, "MB1004");
        Assert.Equal(At(4, 3), error.Location);
        Assert.Equal("Unknown key 'calibration.min_value'. Valid keys here: path, max_images, resize_method.", error.Message);
    }

    [Fact]
    public void Empty_stages_mapping_is_an_error()
    {
        var error = Single(Load("stages: {}\n"), "MB1005");

        Assert.Equal(At(1, 9), error.Location);
        Assert.Equal("'stages' must be a non-empty mapping of stage names to stage settings; found an empty mapping.", error.Message);
    }

    [Fact]
    public void A_mistake_in_a_top_level_default_is_reported_once_for_all_stages()
    {
        var result = Load("""
            shape: [1, x]
            stages:
              a:
                input_model: a.onnx
              b:
                input_model: b.onnx
            """);

        var error = Single(result, "MB1005");
        Assert.Equal(At(1, 12), error.Location);
    }

    [Fact]
    public void Errors_leave_no_manifest_but_keep_every_diagnostic()
    {
        var result = Load("""
            input_model: m.onnx
            shape: abc
            encoding: RGBA
            keep_intermediate_outputs: false
            """);

        Assert.Null(result.Manifest);
        Assert.Equal(["MB1008", "MB1005", "MB1007"], result.Diagnostics.Select(d => d.Code));
    }
}
