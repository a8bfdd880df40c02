using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// How a vendor target is compiled, decided before the conversion plan: the route, whether the compiled
/// model holds the input preprocessing (the manifest's <c>bake_preprocessing</c>, else the target's
/// convention), and whether that preprocessing is baked into the ONNX model — only where the route's tool
/// has no flags for it (rvc4 through SNPE directly) or the tool never applies it (openvino) — rather than
/// given to the tool (mo flags, the Hailo model script, ModelConverter's config).
/// </summary>
/// <param name="Route">ModelConverter or the vendor's tools.</param>
/// <param name="HoldsPreprocessing">The compiled model takes raw values in the fed encoding; the accessor publishes no mean or
/// scale.</param>
/// <param name="BakeIntoOnnx">The prepare action bakes mean, scale and channel flips into the ONNX model.</param>
/// <param name="RouteExpectsBaked">The route wants the preprocessing in the model it is given (and ignores it otherwise).</param>
/// <param name="NnArchive">The compiled output is the NN Archive (<c>Package="nnarchive"</c>).</param>
internal sealed record VendorCompileChoice(
    VendorRoute Route,
    bool HoldsPreprocessing,
    bool BakeIntoOnnx,
    bool RouteExpectsBaked,
    bool NnArchive)
{
    /// <summary>
    /// Whether the toolchain is told the manifest's mean, scale and encoding: when it applies them itself, or
    /// expects them already baked in (as rvc4's SNPE route does). Otherwise it is told the model takes its
    /// inputs as they are, so nothing is applied twice.
    /// </summary>
    public bool PassesPreprocessing => HoldsPreprocessing && (!BakeIntoOnnx || RouteExpectsBaked);

    /// <summary>
    /// The choice for <paramref name="selection"/>, or null for a target no vendor compiles. MB6116 for an unknown
    /// route, MB6120 for an unknown Package, MB6121 for an NN Archive of a target that is not a vendor's.
    /// </summary>
    public static VendorCompileChoice? For(ModelCompileRequest request, TargetSelection selection, ManifestStage stage)
    {
        var settings = request.Vendor;
        var package = settings.Package?.Trim() ?? string.Empty;
        if (package.Length > 0 && !string.Equals(package, VendorBuildSettings.NnArchivePackage, StringComparison.OrdinalIgnoreCase))
        {
            throw new DiagnosticException(ToolchainDiagnostics.UnknownPackage.Create(settings.PackageAt, package, request.Name));
        }

        var target = selection.Target;
        if (!target.UsesVendorToolchain)
        {
            return package.Length == 0
                ? null
                : throw new DiagnosticException(ToolchainDiagnostics.PackageNeedsVendorTarget
                    .Create(settings.PackageAt, string.Join(", ", VendorToolchains.Targets), request.Name, target.Name));
        }

        var route = VendorRoutes.Choose(settings.Route, target.Name, settings.Environment);
        var routeExpectsBaked = VendorToolchains.NeedsPreprocessingInModel(target.Name, route);
        var toolApplies = !routeExpectsBaked && target != TargetCatalog.OpenVino;
        var holds = stage.Conversion.BakePreprocessing?.Value ?? target.BakesPreprocessing;
        return new VendorCompileChoice(route, holds, holds && !toolApplies, routeExpectsBaked, package.Length > 0);
    }

    /// <summary>
    /// Whether a target's vendor compiler quantizes by itself (POT, snpe-dlc-quant, the Hailo optimizer) from its
    /// calibration data: such a target gets the float model, never the quantize step's QDQ model. OpenVINO IR
    /// is the exception: its INT8 is the QDQ model converted.
    /// </summary>
    public static bool QuantizesItself(TargetCapability target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.UsesVendorToolchain && target != TargetCatalog.OpenVino;
    }
}
