using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest.OpenModelZoo;

namespace ModelBuild.Core.Tests.Manifest.OpenModelZoo;

public sealed class OpenModelZooLoaderTests
{
    private const string Sha384 = "6de4534964b723397b3e8c995cadcf43bc007cc2f9930b95ae25f76adccece5d1d4d058d0b15117b9e4a9f758424f92a";

    private static OpenModelZooLoadResult Load(string text, string name = "tiny-classifier") =>
        OpenModelZooLoader.LoadText(text, "models/public/tiny-classifier/model.yml", name, "public/" + name);

    private static OpenModelZooModel LoadValid(string text, string name = "tiny-classifier")
    {
        var result = Load(text, name);
        Assert.True(result.Model is not null, string.Join("\n", result.Diagnostics));
        return result.Model;
    }

    private static Diagnostic SingleError(string text)
    {
        var result = Load(text);
        Assert.Null(result.Model);
        return Assert.Single(result.Diagnostics, d => d.IsError);
    }

    private const string OnnxModel = $"""
        description: A tiny classifier.
        task_type: classification
        files:
          - name: tiny.onnx
            size: 1234
            checksum: {Sha384}
            original_source:
              $type: google_drive
              id: abc
            source: https://models.example/tiny.onnx
          - name: labels.zip
            size: 99
            checksum:
              $type: sha384
              value: {Sha384}
            source:
              $type: google_drive
              id: 1KmM2vw
        postprocessing:
          - $type: unpack_archive
            format: zip
            file: labels.zip
          - $type: regex_replace
            file: labels/names.txt
            pattern: '(?P<word>cat)s?'
            replacement: '\g<word> \1'
            count: 2
        input_info:
          - name: image
            shape: [1, 3, 224, 224]
            layout: NCHW
        model_optimizer_args:
          - --input_model=$dl_dir/tiny.onnx
          - --reverse_input_channels
        model_info:
          model_type: Classification
          labels:
            - tench
            - goldfish
        framework: onnx
        license: https://models.example/LICENSE
        """;

    [Fact]
    public void An_onnx_model_yml_is_read_with_files_postprocessing_inputs_and_labels()
    {
        var model = LoadValid(OnnxModel);

        Assert.Equal(
            ("tiny-classifier", "public/tiny-classifier", "onnx", "classification"),
            (model.Name, model.Subdirectory, model.Framework.Value, model.TaskType));
        Assert.Equal(["tiny.onnx", "labels.zip"], model.Files.Select(f => f.Name.Value));
        Assert.Equal(Sha384, model.Files[1].Sha384);
        Assert.Equal("https://models.example/tiny.onnx", Assert.IsType<OpenModelZooHttpSource>(model.Files[0].Source).Url);
        Assert.Equal(
            "https://docs.google.com/uc?export=download&id=1KmM2vw",
            Assert.IsType<OpenModelZooGoogleDriveSource>(model.Files[1].Source).Url);
        Assert.Equal("gdrive:1KmM2vw", model.Files[1].Source.SourceText);
        Assert.Equal("zip", Assert.IsType<OpenModelZooUnpackArchive>(model.Postprocessing[0]).Format);
        Assert.Equal(2, Assert.IsType<OpenModelZooRegexReplace>(model.Postprocessing[1]).Count);
        Assert.Equal(("image", "NCHW"), (model.InputInfo[0].Name, model.InputInfo[0].Layout));
        Assert.Equal([1L, 3, 224, 224], model.InputInfo[0].Shape);
        Assert.Equal(["tench", "goldfish"], model.ModelInfo.Labels);
        Assert.Equal(["FP16", "FP32"], model.Precisions);
        Assert.Equal(4, model.Files[0].Name.Location.Line);
    }

    [Fact]
    public void An_ir_model_takes_its_precisions_from_its_file_folders()
    {
        var model = LoadValid($$"""
            description: d
            task_type: detection
            files:
              - {name: FP32/ir.xml, size: 1, checksum: {{Sha384}}, source: "https://x.example/a"}
              - {name: FP32/ir.bin, size: 1, checksum: {{Sha384}}, source: "https://x.example/b"}
              - {name: FP16-INT8/ir.xml, size: 1, checksum: {{Sha384}}, source: "https://x.example/c"}
              - {name: FP16-INT8/ir.bin, size: 1, checksum: {{Sha384}}, source: "https://x.example/d"}
            framework: dldt
            license: l
            """, name: "ir");

        Assert.Equal(["FP16-INT8", "FP32"], model.Precisions);
    }

    [Fact]
    public void An_ir_precision_without_its_bin_is_MB2107()
    {
        var error = SingleError($$"""
            description: d
            task_type: detection
            files:
              - {name: FP32/tiny-classifier.xml, size: 1, checksum: {{Sha384}}, source: "https://x.example/a"}
            framework: dldt
            license: l
            """);

        Assert.Equal("MB2107", error.Code);
        Assert.Contains("FP32/tiny-classifier.bin", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape.onnx", "MB2102")]
    [InlineData("/abs/model.onnx", "MB2102")]
    public void A_file_name_outside_the_model_folder_is_refused(string name, string code)
    {
        var error = SingleError(OnnxModel.Replace("name: tiny.onnx", "name: " + name, StringComparison.Ordinal));

        Assert.Equal(code, error.Code);
        Assert.Equal(4, error.Location!.Line);
    }

    [Fact]
    public void A_checksum_that_is_not_sha384_is_MB2103_at_its_line()
    {
        var error = SingleError(OnnxModel.Replace("checksum: " + Sha384, "checksum: abc123", StringComparison.Ordinal));

        Assert.Equal("MB2103", error.Code);
        Assert.Equal((6, 15), (error.Location!.Line, error.Location.Column));
    }

    [Fact]
    public void A_file_listed_twice_is_MB2104()
    {
        var error = SingleError(OnnxModel.Replace("name: labels.zip", "name: tiny.onnx", StringComparison.Ordinal));

        Assert.Equal("MB2104", error.Code);
    }

    [Fact]
    public void A_pytorch_model_without_conversion_arguments_is_MB2105()
    {
        var error = SingleError(OnnxModel.Replace("framework: onnx", "framework: pytorch", StringComparison.Ordinal));

        Assert.Equal("MB2105", error.Code);
    }

    [Fact]
    public void A_non_ir_model_without_model_optimizer_args_is_MB2106()
    {
        var text = string.Join('\n', OnnxModel.Split('\n')
            .Where(l => !l.Contains("model_optimizer_args", StringComparison.Ordinal) && !l.Contains("--", StringComparison.Ordinal)));

        Assert.Equal("MB2106", SingleError(text).Code);
    }

    [Fact]
    public void An_unknown_archive_format_is_MB1007_listing_the_supported_ones()
    {
        var error = SingleError(OnnxModel.Replace("format: zip", "format: xztar", StringComparison.Ordinal));

        Assert.Equal("MB1007", error.Code);
        Assert.Contains("gztar", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pattern_that_does_not_compile_is_MB2108()
    {
        Assert.Equal("MB2108", SingleError(OnnxModel.Replace("'(?P<word>cat)s?'", "'(unclosed'", StringComparison.Ordinal)).Code);
    }

    [Fact]
    public void Unknown_keys_are_warnings_with_a_suggestion_as_Open_Model_Zoo_ignores_them()
    {
        var result = Load(OnnxModel.Replace("    original_source:", "    oroginal_source:", StringComparison.Ordinal));

        Assert.NotNull(result.Model);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("MB2109", DiagnosticSeverity.Warning), (warning.Code, warning.Severity));
        Assert.Contains("Did you mean 'original_source'?", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_required_key_is_MB1009()
    {
        Assert.Equal(
            "MB1009",
            SingleError(OnnxModel.Replace("license: https://models.example/LICENSE", "", StringComparison.Ordinal)).Code);
    }

    [Fact]
    public void A_folder_name_with_spaces_is_MB2101()
    {
        var result = Load(OnnxModel, name: "tiny classifier");

        Assert.Equal("MB2101", Assert.Single(result.Diagnostics).Code);
    }

    [Theory]
    [InlineData(@"\1-\g<1>-\g<name>", "${1}-${1}-${name}")]
    [InlineData(@"cost: $5\n", "cost: $$5\n")]
    [InlineData(@"a\\b", @"a\b")]
    public void Python_replacements_become_dotnet_substitutions(string python, string dotnet) =>
        Assert.Equal(dotnet, PythonRegex.TranslateReplacement(python));

    [Fact]
    public void Python_named_groups_and_backreferences_translate()
    {
        Assert.True(PythonRegex.TryTranslatePattern("(?P<w>ab)(?P=w)", out var regex, out _));

        Assert.Equal("X", regex.Replace("abab", PythonRegex.TranslateReplacement("X")));
    }
}
