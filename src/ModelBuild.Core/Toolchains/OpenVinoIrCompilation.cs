using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// OpenVINO IR through <c>ovc</c>: <c>ovc model.onnx --output_model ir/name.xml --compress_to_fp16=True|False</c>.
/// The model keeps its input semantics (nothing is baked in; the NN Archive and accessor carry mean, scale
/// and encoding). INT8 precisions convert the quantize step's QDQ model, which OpenVINO runs in INT8.
/// An IR input (<see cref="OpenVinoIrInput"/>) is the result as it is: ovc refuses IR, which needs no conversion.
/// </summary>
internal sealed class OpenVinoIrCompilation : IDirectCompilation
{
    /// <summary>ovc, except for an IR input: ovc does not convert IR, which is the compiled model as it is.</summary>
    public IReadOnlyList<ToolRequirement> Tools(VendorCompileRequest request, VendorPrecisionSettings settings)
        => request?.IsOpenVinoIr == true ? [] : [VendorTools.OpenVinoConverter];

    public void Check(VendorCompileRequest request, VendorPrecisionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.NeedsQuantizedModel && !request.IsOpenVinoIr)
        {
            var model = OnnxModelFile.Read(File.ReadAllBytes(request.ModelPath), request.ModelPath);
            if (!model.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear"))
            {
                throw new DiagnosticException(ToolchainDiagnostics.QuantizedModelRequired
                    .Create(request.PrecisionAt, request.Target.Name, request.Precision, request.ModelPath));
            }
        }
    }

    public async Task<IReadOnlyList<(string Path, VendorOutputKind Kind)>> RunAsync(DirectJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Request.IsOpenVinoIr)
        {
            // OpenVinoIrInput checked that its weights are of the precision asked for.
            job.Details["input_file_type"] = "IR";
            job.Details["compress_to_fp16"] = job.Settings.CompressToFp16;
            return [(job.Model, VendorOutputKind.Model), (Path.ChangeExtension(job.Model, ".bin"), VendorOutputKind.Weights)];
        }

        var xml = DirectJob.Intermediate("ir", job.Request.ModelName + ".xml");
        var run = await job.RunAsync(
            "ovc",
            VendorTools.OpenVinoConverter,
            [job.Model, "--output_model", xml, "--compress_to_fp16=" + (job.Settings.CompressToFp16 ? "True" : "False")],
            cancellationToken).ConfigureAwait(false);
        job.Workspace.Expect(xml, job.Tool(VendorTools.OpenVinoConverter), run);
        var bin = Path.ChangeExtension(xml, ".bin");
        job.Workspace.Expect(bin, job.Tool(VendorTools.OpenVinoConverter), run);
        job.Details["ovc_version"] = job.VersionOf(VendorTools.OpenVinoConverter);
        job.Details["compress_to_fp16"] = job.Settings.CompressToFp16;
        return [(xml, VendorOutputKind.Model), (bin, VendorOutputKind.Weights)];
    }
}
