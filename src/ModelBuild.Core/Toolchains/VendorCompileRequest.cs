using System.Reflection;
using System.Text.Json.Nodes;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// Everything a vendor compile needs: the prepared ONNX model, the manifest stage it came from (its
/// vendor sections, simplification switch, manifest folder), its inputs as the manifest resolves them
/// against the model, its output names, the target and precision, and a work folder of its own.
/// </summary>
/// <param name="ModelPath">The prepared ONNX model (shapes fixed; see <see cref="VendorToolchains.NeedsPreprocessingInModel"/>), or
/// an OpenVINO IR <c>.xml</c> with its <c>.bin</c> beside it (rvc2, rvc3 and openvino only; see <see cref="OpenVinoIrInput"/>).</param>
/// <param name="ModelName">Names the outputs (<c>name.blob</c>, <c>name.rvc2.tar.xz</c>).</param>
/// <param name="Stage">The manifest stage.</param>
/// <param name="Inputs">From <see cref="ManifestInputResolver"/>, one per model input the toolchain configures.</param>
/// <param name="Outputs">The model's outputs, in order.</param>
/// <param name="Target">rvc2, rvc3, rvc4, hailo or openvino.</param>
/// <param name="Precision">The precision asked for.</param>
/// <param name="WorkDirectory">Emptied and filled by the compile; the outputs end up in its <c>result/</c> folder.</param>
public sealed record VendorCompileRequest(
    string ModelPath,
    string ModelName,
    ManifestStage Stage,
    IReadOnlyList<ResolvedInput> Inputs,
    IReadOnlyList<VendorOutput> Outputs,
    TargetCapability Target,
    Precision Precision,
    string WorkDirectory)
{
    /// <summary>Tool name → path, the first place looked (MSBuild properties, <c>--tool</c>).</summary>
    public IReadOnlyDictionary<string, string> ToolPaths { get; init; } = new Dictionary<string, string>();

    /// <summary>The longest one tool run may take.</summary>
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Also write the NN Archive (<c>Package="nnarchive"</c>).</summary>
    public bool WriteNnArchive { get; init; }

    /// <summary>Reads environment variables (tool discovery); the process environment when null.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>Receives every log line (tool output included) as it is written.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Where the precision was asked for; conflicts are reported there.</summary>
    public Diagnostics.SourceLocation? PrecisionAt { get; init; }

    /// <summary>The engine's version, recorded in <c>buildinfo.json</c>.</summary>
    public string EngineVersion { get; init; } =
        typeof(VendorCompileRequest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? "unknown";

    /// <summary>Whether <see cref="ModelPath"/> is OpenVINO IR (its <c>.xml</c>, the <c>.bin</c> beside it) rather than ONNX.</summary>
    public bool IsOpenVinoIr => OpenVinoIrModel.IsIr(ModelPath);

    /// <summary>The manifest's folder: relative calibration paths are relative to it.</summary>
    public string ManifestDirectory => Path.GetDirectoryName(Path.GetFullPath(Stage.Location.FilePath))!;
}

/// <summary>One output of the prepared model: its name, shape (null dimensions are dynamic) and element type.</summary>
public sealed record VendorOutput(string Name, IReadOnlyList<long?>? Shape, TensorDataType DataType);

/// <summary>
/// What a compile will do, worked out before it runs, so a caller can build the action key first:
/// the tools (version and digest), the canonical options (what the config or command lines depend on,
/// without paths) and the files it will read besides the model (calibration data).
/// </summary>
public sealed record VendorCompilePlan(
    VendorCompileRequest Request,
    VendorRoute Route,
    VendorPrecisionSettings Precision,
    IReadOnlyList<ToolIdentity> Tools,
    JsonObject Options,
    IReadOnlyList<string> InputFiles);

/// <summary>
/// What a compile depends on besides its tools, worked out without finding or running any tool: the
/// precision settings, the canonical options (without paths) and the files it will read besides the model.
/// A pipeline keys a cached result by this alone when the tools are absent (a machine without the vendor compiler).
/// </summary>
public sealed record VendorCompileDescription(VendorPrecisionSettings Precision, JsonObject Options, IReadOnlyList<string> InputFiles);

/// <summary>What kind of file a vendor compile produced.</summary>
public enum VendorOutputKind
{
    /// <summary>The compiled model (.blob, .superblob, .dlc, .hef, .xml).</summary>
    Model,

    /// <summary>A file the model needs beside it (OpenVINO's .bin).</summary>
    Weights,

    /// <summary><c>buildinfo.json</c>: exact commands and tool versions.</summary>
    BuildInfo,

    /// <summary>The NN Archive.</summary>
    NnArchive,

    /// <summary>The tools' log.</summary>
    Log,
}

/// <summary>One output file: its full path and what it is.</summary>
public sealed record VendorOutputFile(string Path, VendorOutputKind Kind)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

/// <summary>The outputs of a vendor compile (in <c>result/</c> of the work folder), the tools that made them, and the parsed
/// buildinfo.</summary>
public sealed record VendorCompileResult(IReadOnlyList<VendorOutputFile> Files, IReadOnlyList<ToolIdentity> Tools, JsonObject BuildInfo)
{
    /// <summary>The compiled model file.</summary>
    public VendorOutputFile Model => Files.First(f => f.Kind == VendorOutputKind.Model);
}

/// <summary>
/// One way of compiling vendor targets. <see cref="PlanAsync"/> finds and identifies the tools and
/// describes the options, without compiling; <see cref="CompileAsync"/> runs the plan.
/// User mistakes and tool failures are <see cref="Diagnostics.DiagnosticException"/>s; cancellation kills the tools.
/// </summary>
public interface IVendorToolchain
{
    VendorRoute Route { get; }

    /// <summary>The options and input files of a compile, checked as far as they can be without the tools.</summary>
    VendorCompileDescription Describe(VendorCompileRequest request);

    Task<VendorCompilePlan> PlanAsync(VendorCompileRequest request, CancellationToken cancellationToken);

    Task<VendorCompileResult> CompileAsync(VendorCompilePlan plan, CancellationToken cancellationToken);
}
