using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// What <c>modelbuild vendor-compile</c> compiles: a prepared ONNX model (or OpenVINO IR, for rvc2, rvc3 and openvino) and its
/// manifest turned into a
/// <see cref="VendorCompileRequest"/>, with the diagnostics of reading the manifest and resolving its inputs. The outputs'
/// types come from the model as in a build's vendor step (<see cref="ManifestElementTypes"/>).
/// </summary>
/// <param name="Request">The request; null when <see cref="Diagnostics"/> holds an error.</param>
/// <param name="Diagnostics">Every diagnostic of the manifest and of its inputs' resolution, errors and warnings.</param>
public sealed record StandaloneVendorRequest(VendorCompileRequest? Request, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>Reads <paramref name="manifestPath"/> and the model at <paramref name="modelPath"/> into a request.</summary>
    /// <param name="modelPath">The prepared ONNX model (input shapes fixed), or OpenVINO IR's .xml (or .bin).</param>
    /// <param name="manifestPath">Its manifest: inputs, preprocessing, calibration, vendor section.</param>
    /// <param name="targetName">A vendor target (rvc2, rvc3, rvc4, hailo, openvino).</param>
    /// <param name="precisionName">A precision the target supports.</param>
    /// <param name="name">The model's name in its outputs; null for the model file's name.</param>
    /// <param name="workDirectory">The tools' work folder.</param>
    /// <param name="toolArguments"><c>name=path</c> of tools, as <c>--tool</c> gives them.</param>
    /// <param name="engineVersion">The engine's version, for buildinfo and messages.</param>
    /// <remarks>A multi-stage manifest, an unknown or non-vendor target, an unknown precision or a malformed tool path is an
    /// error in <see cref="Diagnostics"/>, after the manifest's own diagnostics.</remarks>
    public static StandaloneVendorRequest Create(
        string modelPath,
        string manifestPath,
        string targetName,
        string precisionName,
        string? name,
        string workDirectory,
        IReadOnlyList<string> toolArguments,
        string engineVersion)
    {
        var load = ManifestLoader.Load(manifestPath);
        try
        {
            if (load.Manifest is not { } manifest || load.Diagnostics.Any(d => d.IsError))
            {
                return new StandaloneVendorRequest(null, load.Diagnostics);
            }

            var stage = manifest.SingleStage ?? throw new DiagnosticException(PipelineDiagnostics.OneStageExpected.Create(
                manifest.Stages[1].Name.Location,
                "'modelbuild vendor-compile'",
                manifest.FilePath,
                manifest.Stages.Count,
                string.Join(", ", manifest.Stages.Select(s => s.Name.Value))));
            var target = TargetCatalog.Find(targetName) ?? throw new DiagnosticException(TargetDiagnostics.UnknownTarget.Create(
                null,
                targetName,
                NameSuggestion.DidYouMean(targetName, VendorToolchains.Targets),
                string.Join(", ", TargetCatalog.All.Select(t => t.Name))));
            if (!VendorToolchains.Targets.Contains(target.Name))
            {
                throw new DiagnosticException(ToolchainDiagnostics.RouteCannotCompile
                    .Create(null, target.Name, "by vendor-compile", "it is not a vendor target; use 'modelbuild compile'"));
            }

            var precision = Precision.Find(precisionName) ?? throw new DiagnosticException(TargetDiagnostics.UnknownPrecision.Create(
                null,
                precisionName,
                NameSuggestion.DidYouMean(precisionName, Precision.All.Select(p => p.Name)),
                string.Join(", ", Precision.All)));

            var (modelInputs, modelOutputs) = Signature(modelPath);
            var resolution = ManifestInputResolver.Resolve(stage, modelInputs);
            IReadOnlyList<Diagnostic> diagnostics = [.. load.Diagnostics, .. resolution.Diagnostics];
            if (!resolution.Succeeded)
            {
                return new StandaloneVendorRequest(null, diagnostics);
            }

            Dictionary<string, string> paths;
            try
            {
                paths = ToolPathList.Parse(toolArguments, Environment.CurrentDirectory);
            }
            catch (DiagnosticException e)
            {
                return new StandaloneVendorRequest(null, [.. diagnostics, e.Diagnostic]);
            }

            var request = new VendorCompileRequest(
                OpenVinoIrModel.IsIr(modelPath) ? Path.ChangeExtension(modelPath, ".xml") : modelPath,
                name ?? Path.GetFileNameWithoutExtension(modelPath),
                stage,
                resolution.Inputs,
                modelOutputs,
                target,
                precision,
                workDirectory)
            {
                ToolPaths = paths,
                Log = null,
                EngineVersion = engineVersion,
            };
            return new StandaloneVendorRequest(request, diagnostics);
        }
        catch (DiagnosticException e)
        {
            // A mistake found after the manifest was read comes after its own diagnostics, as the command prints them.
            return new StandaloneVendorRequest(null, [.. load.Diagnostics, e.Diagnostic]);
        }
    }

    /// <summary>The inputs and outputs of an ONNX model, or of OpenVINO IR named by its .xml or .bin (MB6180/MB6181 if broken).</summary>
    private static (IReadOnlyList<ModelInput> Inputs, IReadOnlyList<VendorOutput> Outputs) Signature(string modelPath)
    {
        if (OpenVinoIrModel.IsIr(modelPath))
        {
            var ir = OpenVinoIrModel.Read(modelPath);
            return (
                [.. ir.Inputs.Select(i => new ModelInput(i.Name, i.Shape, i.DataType))],
                [.. ir.Outputs.Select(o => new VendorOutput(o.Name, o.Shape, o.DataType))]);
        }

        var signature = OnnxModelSignature.FromModel(OnnxModelFile.Read(File.ReadAllBytes(modelPath), modelPath));
        return (
            [.. signature.Inputs.Select(i =>
                new ModelInput(i.Name, i.Shape?.Dimensions.Select(d => d.Value).ToList(), ManifestElementTypes.FromOnnx(i.ElementType)))],
            [.. signature.Outputs.Select(o => new VendorOutput(
                o.Name,
                o.Shape?.Dimensions.Select(d => d.Value).ToList(),
                ManifestElementTypes.FromOnnx(o.ElementType) ?? TensorDataType.Float32))]);
    }
}
