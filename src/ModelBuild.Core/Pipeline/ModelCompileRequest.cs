using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// One model to compile: its manifest, the name its outputs take, and the target and precision asked
/// for. <see cref="TargetAt"/> and <see cref="PrecisionAt"/> are where those were written (the
/// ModelTarget and Precision of the project's ModelReference item), for diagnostics about them;
/// null when they came from the command line.
/// </summary>
public sealed record ModelCompileRequest(
    string ManifestPath,
    string Name,
    string Target,
    string Precision,
    SourceLocation? TargetAt = null,
    SourceLocation? PrecisionAt = null)
{
    /// <summary>
    /// True when <see cref="ModelCompileRequest.Name"/> is only the default (the manifest's file stem): a <c>name:</c> in the
    /// manifest then names the model. False when the Name metadata or <c>--name</c> gave it.
    /// </summary>
    public bool NameIsDefault { get; init; }

    /// <summary>Where an explicit name was written (the ModelReference's Name metadata), for MB1031; null from the command line.</summary>
    public SourceLocation? NameAt { get; init; }

    /// <summary>ModelConverter-style overrides applied to the manifest before it is validated (the Overrides metadata).</summary>
    public ManifestOverrides Overrides { get; init; } = ManifestOverrides.Empty;

    /// <summary>The last stage to run; <see cref="PipelineStage.Package"/> compiles the whole model.</summary>
    public PipelineStage StopAfter { get; init; } = PipelineStage.Package;

    /// <summary>How vendor targets (rvc2, rvc3, rvc4, hailo, openvino) are compiled and packaged.</summary>
    public VendorBuildSettings Vendor { get; init; } = new();

    /// <summary>
    /// The stage of a multi-stage manifest whose model is the model's main one (ModelConverter's <c>--main-stage</c>, the
    /// MainStage metadata); null for the first stage. A flat manifest's only stage is always the main one.
    /// </summary>
    public string? MainStage { get; init; }

    /// <summary>Where <see cref="MainStage"/> was written (the ModelReference's MainStage metadata), for MB6030; null from the command
    /// line.</summary>
    public SourceLocation? MainStageAt { get; init; }
}

/// <summary>
/// The settings of a vendor target's compile: the route (<c>ModelBuildVendorRoute</c>), explicit tool paths
/// (<c>ModelBuildToolchainPaths</c>), the packaging (<c>Package</c> metadata) and the tools' time limit.
/// </summary>
public sealed record VendorBuildSettings
{
    /// <summary>The package format a compile can be asked for: the NN Archive.</summary>
    public const string NnArchivePackage = "nnarchive";

    /// <summary><c>modelconverter</c> or <c>toolchain</c>; null: <c>MODELBUILD_VENDOR_ROUTE</c>, then the target's default.</summary>
    public string? Route { get; init; }

    /// <summary>Tool name → path, looked at before the tools' environment variables and PATH.</summary>
    public IReadOnlyDictionary<string, string> ToolPaths { get; init; } = new Dictionary<string, string>();

    /// <summary><c>nnarchive</c>: the compiled output is the NN Archive; null or empty: the compiled files.</summary>
    public string? Package { get; init; }

    /// <summary>Where the Package was written, for diagnostics about it.</summary>
    public SourceLocation? PackageAt { get; init; }

    /// <summary>The longest one tool run may take.</summary>
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// The tools' work folder, emptied by each compile and kept after it with the tools' log and intermediate files
    /// (diagnostics name the log); null for a temporary folder deleted afterwards.
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Reads environment variables for the route and tool discovery; the process environment when null.</summary>
    public Func<string, string?>? Environment { get; init; }
}
