using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// The state of one direct-toolchain compile: the request, the precision settings, the work folder, the
/// tools, and what goes into <c>buildinfo.json</c> — every command run (as ModelConverter's <c>cmd_info</c>)
/// and target-specific details.
/// </summary>
internal sealed class DirectJob(
    VendorCompileRequest request,
    VendorPrecisionSettings settings,
    VendorWorkspace workspace,
    IReadOnlyDictionary<string, LocatedTool> tools,
    IReadOnlyList<ToolIdentity> identities)
{
    public VendorCompileRequest Request => request;

    public VendorPrecisionSettings Settings => settings;

    public VendorWorkspace Workspace => workspace;

    public IReadOnlyList<ToolIdentity> Identities => identities;

    public IReadOnlyList<VendorInput> Inputs { get; } = [.. request.Inputs.Select(VendorInput.From)];

    public string Target => request.Target.Name;

    /// <summary>ModelConverter's <c>cmd_info</c>: step name → the command's words.</summary>
    public JsonObject Commands { get; } = [];

    /// <summary>Target-specific buildinfo entries.</summary>
    public JsonObject Details { get; } = [];

    /// <summary>The prepared model's copy in the work folder, relative to it (an IR input's <c>.xml</c>, its <c>.bin</c>
    /// beside it).</summary>
    public string Model => Path.Combine(VendorWorkspace.Intermediate, request.ModelName + (request.IsOpenVinoIr ? ".xml" : ".onnx"));

    /// <summary>A path inside <c>intermediate_outputs/</c>, relative to the work folder.</summary>
    public static string Intermediate(params string[] parts) => Path.Combine([VendorWorkspace.Intermediate, .. parts]);

    public LocatedTool Tool(ToolRequirement requirement) => tools[requirement.Name];

    /// <summary>The version a tool printed.</summary>
    public string VersionOf(ToolRequirement requirement) => identities.First(i => i.Name == requirement.Name).Version;

    /// <summary>Runs a step and records its command under <paramref name="step"/>.</summary>
    public Task<ToolRunResult> RunAsync(
        string step,
        ToolRequirement requirement,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken)
    {
        Commands[step] = new JsonArray([.. new[] { requirement.Name }.Concat(arguments).Select(a => (JsonNode)a)]);
        return workspace.RunAsync(Tool(requirement), arguments, cancellationToken);
    }

    /// <summary>MB6107 for what this route cannot do with this model.</summary>
    public DiagnosticException CannotCompile(string reason) =>
        new(ToolchainDiagnostics.RouteCannotCompile.Create(request.PrecisionAt, Target, "through the toolchain directly", reason));

    /// <summary>ModelConverter's <c>_add_args</c>: appends the flag and its values unless the flag is already there.</summary>
    public static void AddIfAbsent(List<string> arguments, params string[] flagAndValues)
    {
        if (!arguments.Contains(flagAndValues[0]))
        {
            arguments.AddRange(flagAndValues);
        }
    }
}

/// <summary>One target's steps on the direct route.</summary>
internal interface IDirectCompilation
{
    /// <summary>The tools the compile will run.</summary>
    IReadOnlyList<ToolRequirement> Tools(VendorCompileRequest request, VendorPrecisionSettings settings);

    /// <summary>Checks what can be checked before any tool runs (shapes, inputs, the model).</summary>
    void Check(VendorCompileRequest request, VendorPrecisionSettings settings);

    /// <summary>Runs the steps; returns the model files (relative to the work folder) with their kinds.</summary>
    Task<IReadOnlyList<(string Path, VendorOutputKind Kind)>> RunAsync(DirectJob job, CancellationToken cancellationToken);
}
