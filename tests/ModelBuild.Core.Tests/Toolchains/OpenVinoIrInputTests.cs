using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

/// <summary>
/// OpenVINO IR inputs (ModelConverter's <c>input_model: *.xml</c>, Open Model Zoo's <c>framework: dldt</c>) with stand-in
/// tools: rvc2 and rvc3 hand the IR to compile_tool without mo, the openvino target takes it as it is, and what needs ONNX
/// is a coded error naming what to do instead.
/// </summary>
public sealed class OpenVinoIrInputTests : IDisposable
{
    private readonly VendorFixture _fixture = new();

    public OpenVinoIrInputTests() => WriteIr();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Rvc2_compiles_the_IR_with_compile_tool_and_never_runs_mo()
    {
        _fixture.Tools.AddOpenVino2022();
        var request = Request("input_model: m.xml\nrvc2:\n  superblob: false\n", "rvc2", Precision.FP16);

        var plan = await VendorToolchains.For(VendorRoute.Toolchain).PlanAsync(request, CancellationToken.None);
        var result = await VendorToolchains.For(VendorRoute.Toolchain).CompileAsync(plan, CancellationToken.None);

        Assert.Empty(_fixture.Tools.Calls("mo"));
        Assert.Equal(["compile_tool"], plan.Tools.Select(t => t.Name));
        Assert.Equal(
            ["-d", "MYRIAD", "-ip", "U8", "-m", "intermediate_outputs/m.xml", "-o", "intermediate_outputs/m-rvc2.blob",
             "-c", "intermediate_outputs/myriad_8shaves.conf"],
            Assert.Single(_fixture.Tools.Calls("compile_tool")));
        var intermediate = Path.Combine(_fixture.WorkDirectory, "intermediate_outputs");
        Assert.Equal(File.ReadAllBytes(IrBin), File.ReadAllBytes(Path.Combine(intermediate, "m.bin")));
        Assert.Equal("IR", result.BuildInfo["input_file_type"]!.GetValue<string>());
        Assert.Null(result.BuildInfo["model_optimizer_version"]);
        Assert.Equal("m.blob", result.Model.FileName);
    }

    [Fact]
    public async Task Rvc3_INT8_quantizes_the_IR_with_POT_then_compiles_for_VPUX()
    {
        _fixture.Tools.AddOpenVino2022();
        _fixture.Tools.Add("pot", """
            out=$(value --output-dir "$@"); mkdir -p "$out/optimized"; echo int8 > "$out/optimized/m-int8.xml"
            """, "pot 2022.3.0");
        var request = Request("input_model: m.xml\n", "rvc3", Precision.FP16Int8);

        await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Empty(_fixture.Tools.Calls("mo"));
        var config = File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "pot_config.json"));
        Assert.Contains("\"model\": \"intermediate_outputs/m.xml\"", config, StringComparison.Ordinal);
        Assert.Contains("\"weights\": \"intermediate_outputs/m.bin\"", config, StringComparison.Ordinal);
        Assert.Equal(
            ["-d", "VPUX.3400", "-ip", "U8", "-m", "intermediate_outputs/optimized/m-int8.xml",
             "-o", "intermediate_outputs/m-rvc3-int8.blob"],
            Assert.Single(_fixture.Tools.Calls("compile_tool")));
    }

    [Fact]
    public async Task ModelConverter_gets_the_IR_pair_as_its_input_model()
    {
        _fixture.Tools.AddModelConverter("m.blob");
        var request = Request("input_model: m.xml\nrvc2:\n  superblob: false\n", "rvc2", Precision.FP16);

        await VendorFixture.CompileAsync(request, VendorRoute.ModelConverter);

        var xml = Path.Combine(_fixture.WorkDirectory, "intermediate_outputs", "m.xml");
        Assert.Contains($"input_model: \"{xml}\"", File.ReadAllText(Path.Combine(_fixture.WorkDirectory, "modelconverter.yaml")),
            StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(IrBin), File.ReadAllBytes(Path.ChangeExtension(xml, ".bin")));
    }

    [Theory]
    [InlineData(true, "FP16")]
    [InlineData(false, "FP32")]
    public async Task The_openvino_target_takes_an_IR_of_the_asked_precision_as_it_is_without_ovc(bool halfFloat, string precision)
    {
        WriteIr(halfFloat);
        var request = Request("input_model: m.xml\n", "openvino", Precision.Find(precision)!);

        var result = await VendorFixture.CompileAsync(request, VendorRoute.Toolchain);

        Assert.Equal(["m.xml", "m.bin", "buildinfo.json", "modelbuild-vendor.log"], result.Files.Select(f => f.FileName));
        Assert.Equal(File.ReadAllBytes(IrXml), File.ReadAllBytes(result.Files[0].Path));
        Assert.Equal(File.ReadAllBytes(IrBin), File.ReadAllBytes(result.Files[1].Path));
        Assert.Empty(result.Tools);
    }

    [Fact]
    public void The_openvino_target_refuses_an_IR_of_another_precision_with_MB6184()
    {
        WriteIr(halfFloat: false);

        var error = Describe("input_model: m.xml\n", "openvino", Precision.FP16);

        Assert.Equal("MB6184", error.Code);
        Assert.Contains("holds FP32 weights, but Precision FP16", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rvc4", "FP16")]
    [InlineData("hailo", "FP16-INT8")]
    [InlineData("openvino", "FP16-INT8")]
    public void A_target_or_precision_that_needs_ONNX_is_MB6182_at_input_model(string target, string precision)
    {
        var error = Describe("name: m\ninput_model: m.xml\n", target, Precision.Find(precision)!);

        Assert.Equal("MB6182", error.Code);
        Assert.Contains("'m.xml' is OpenVINO IR", error.Message, StringComparison.Ordinal);
        if (target != "openvino")
        {
            Assert.Equal((_fixture.ManifestPath, 2), (error.Location!.FilePath, error.Location.Line));
        }
    }

    [Theory]
    [InlineData(VendorRoute.Toolchain)]
    [InlineData(VendorRoute.ModelConverter)]
    public void Mean_values_the_IR_would_ignore_are_MB6183_at_their_line(VendorRoute route)
    {
        var error = Describe("input_model: m.xml\nmean_values: imagenet\n", "rvc2", Precision.FP16, route);

        Assert.Equal("MB6183", error.Code);
        Assert.Equal((_fixture.ManifestPath, 2), (error.Location!.FilePath, error.Location.Line));
    }

    [Fact]
    public void Bake_preprocessing_false_lets_the_IR_keep_what_it_holds()
    {
        var request = Request(
            "input_model: m.xml\nmean_values: imagenet\nbake_preprocessing: false\nrvc2:\n  superblob: false\n", "rvc2", Precision.FP16);

        var description = VendorToolchains.For(VendorRoute.Toolchain).Describe(request);

        Assert.False(description.Precision.Calibrate);
    }

    [Fact]
    public void The_reader_names_inputs_and_outputs_by_their_tensors_and_sees_FP16_weights()
    {
        var model = OpenVinoIrModel.Read(IrXml);

        var input = Assert.Single(model.Inputs);
        Assert.Equal(("x", TensorDataType.Float32), (input.Name, input.DataType));
        Assert.Equal(new long?[] { 1, 3, 8, 8 }, input.Shape);
        var output = Assert.Single(model.Outputs);
        Assert.Equal("y", output.Name);
        Assert.Equal(new long?[] { 1, 4 }, output.Shape);
        Assert.Equal("FP16", model.WeightsPrecision);
        Assert.Equal(IrBin, OpenVinoIrModel.Read(IrBin).BinPath);
    }

    [Fact]
    public void An_IR_without_its_bin_is_MB6180()
    {
        File.Delete(IrBin);

        var error = Assert.Throws<DiagnosticException>(() => OpenVinoIrModel.Read(IrXml)).Diagnostic;

        Assert.Equal("MB6180", error.Code);
        Assert.Contains("needs 'm.bin' beside it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_topology_is_MB6181_at_its_line_and_column()
    {
        File.WriteAllText(IrXml, "<net name=\"m\" version=\"11\">\n  <layers>\n    <layer id=\"0\" </layers>\n</net>\n");

        var error = Assert.Throws<DiagnosticException>(() => OpenVinoIrModel.Read(IrXml)).Diagnostic;

        Assert.Equal("MB6181", error.Code);
        Assert.Equal((IrXml, 3), (error.Location!.FilePath, error.Location.Line));
        Assert.True(error.Location.Column > 0);
    }

    [Fact]
    public void Vendor_compile_reads_the_IRs_inputs_and_outputs_for_the_request()
    {
        File.WriteAllText(_fixture.ManifestPath, "input_model: m.xml\n");

        var standalone = StandaloneVendorRequest.Create(
            IrBin, _fixture.ManifestPath, "rvc2", "FP16", null, _fixture.WorkDirectory, [], "test");

        var request = Assert.IsType<VendorCompileRequest>(standalone.Request);
        Assert.Equal(IrXml, request.ModelPath);
        Assert.True(request.IsOpenVinoIr);
        Assert.Equal(new long?[] { 1, 3, 8, 8 }, Assert.Single(request.Inputs).Shape!.Value);
        Assert.Equal("y", Assert.Single(request.Outputs).Name);
    }

    [Fact]
    public void A_build_of_an_IR_manifest_is_MB6182_naming_vendor_compile()
    {
        File.WriteAllText(_fixture.ManifestPath, "input_model: m.xml\n");
        var stage = ManifestLoader.Load(_fixture.ManifestPath).Manifest!.SingleStage!;

        var error = Assert.Throws<DiagnosticException>(() => ConversionPlanner.OnnxStage(stage, "test")).Diagnostic;

        Assert.Equal("MB6182", error.Code);
        Assert.Contains("modelbuild vendor-compile", error.Message, StringComparison.Ordinal);
        Assert.Equal((_fixture.ManifestPath, 1), (error.Location!.FilePath, error.Location.Line));
    }

    private string IrXml => _fixture.Folder.Combine("ir", "m.xml");

    private string IrBin => _fixture.Folder.Combine("ir", "m.bin");

    private void WriteIr(bool halfFloat = true) => TinyOpenVinoIr.Write(IrXml, halfFloat);

    private VendorCompileRequest Request(string yaml, string target, Precision precision)
    {
        File.WriteAllText(_fixture.ManifestPath, yaml);
        var stage = ManifestLoader.Load(_fixture.ManifestPath).Manifest!.SingleStage!;
        var ir = OpenVinoIrModel.Read(IrXml);
        var resolution = ManifestInputResolver.Resolve(stage, [.. ir.Inputs.Select(i => new ModelInput(i.Name, i.Shape, i.DataType))]);
        Assert.True(resolution.Succeeded, string.Join("\n", resolution.Diagnostics));
        return new VendorCompileRequest(
            IrXml,
            "m",
            stage,
            resolution.Inputs,
            [.. ir.Outputs.Select(o => new VendorOutput(o.Name, o.Shape, o.DataType))],
            TargetCatalog.Find(target)!,
            precision,
            _fixture.WorkDirectory)
        {
            ToolPaths = _fixture.Tools.Paths,
            Environment = name => _fixture.Environment.GetValueOrDefault(name),
            ToolTimeout = TimeSpan.FromMinutes(5),
        };
    }

    private Diagnostic Describe(string yaml, string target, Precision precision, VendorRoute route = VendorRoute.Toolchain)
    {
        var request = Request(yaml, target, precision);
        return Assert.Throws<DiagnosticException>(() => VendorToolchains.For(route).Describe(request)).Diagnostic;
    }
}
