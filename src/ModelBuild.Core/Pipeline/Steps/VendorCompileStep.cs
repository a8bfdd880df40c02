using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>What the vendor-compile action left: the files of the compiled model, its inputs as the vendor's model takes them, and its
/// buildinfo entry.</summary>
/// <param name="Files">The model files (model, weights, the tool's buildinfo), or the NN Archive alone.</param>
/// <param name="InputElementTypes">Input name → element type of the compiled model (an RVC2 blob takes uint8, say).</param>
/// <param name="BuildInfo">The action's entry in <c>buildinfo.json</c>.</param>
internal sealed record VendorCompileOutcome(
    IReadOnlyList<CompiledFile> Files,
    IReadOnlyDictionary<string, string> InputElementTypes,
    JsonObject BuildInfo)
{
    /// <summary>An input as the compiled model takes it: the element type the vendor's model expects.</summary>
    public TensorDescription Describe(TensorDescription input) =>
        InputElementTypes.TryGetValue(input.Name, out var type) ? input with { ElementType = type } : input;
}

/// <summary>
/// The vendor-compile action: the prepared model (or whatever step came last) compiled by ModelConverter or
/// the vendor's tools, its outputs stored as blobs in the action record. The key holds the input model,
/// the calibration files' contents, the toolchain's options, the target and precision, the salt, and each
/// tool's version and file digest. A second record, keyed without the tools, points at the newest result,
/// so a machine without the vendor compiler (a CI agent) restores a result computed elsewhere.
/// </summary>
internal sealed class VendorCompileStep(PipelineServices services) : IPipelineStep
{
    private const string ActionName = "vendor-compile";
    private const string ToolsMetadata = "tools";
    private const string RouteMetadata = "route";
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    // One per compiler: a build with many models probes each tool once.
    private readonly ToolIdentifier _identifier = new();

    public string Name => ActionName;

    public PipelineStage Stage => PipelineStage.Package;

    public bool AppliesTo(CompileState state) => state.Vendor is not null && state.Plan is not null;

    /// <summary>Its key needs the tools' versions and digests, which a dry run does not run the tools to learn.</summary>
    public Task<IReadOnlyList<PreviewStep>> PreviewAsync(CompileState state, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PreviewStep>>(
        [
            new PreviewStep(
                Name,
                null,
                false,
                new JsonObject { ["route"] = VendorRoutes.NameOf(state.Vendor!.Route) },
                "the key is known once the vendor's tools are found and identified"),
        ]);

    /// <summary>Compiles the last converting step's model: for openvino INT8 the quantize step's QDQ model, else the float model.</summary>
    public async Task RunAsync(CompileState state, CancellationToken cancellationToken) =>
        state.VendorOutcome = await CompileAsync(
            state.Request,
            state.Vendor!,
            state.Selection,
            state.Stage,
            state.Inputs,
            state.Current!,
            state.Source.DisplayName,
            state.Tally,
            state.Dependencies,
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Compiles <paramref name="current"/>, cache first: the tools are found and identified (their version probe)
    /// to build the key, and run only on a miss. Without a tool, the newest result of the same compile is restored.
    /// </summary>
    /// <param name="request">The model's request (name, vendor settings).</param>
    /// <param name="choice">The route and preprocessing decided before the plan.</param>
    /// <param name="selection">The target and precision.</param>
    /// <param name="stage">The manifest stage (vendor sections, calibration).</param>
    /// <param name="inputs">The inputs as the manifest resolves them against the source model.</param>
    /// <param name="current">The last step's model: the prepared model (for openvino INT8, the quantize step's QDQ model).</param>
    /// <param name="display">How diagnostics name the model.</param>
    /// <param name="tally">Counts the action as run or cached.</param>
    /// <param name="dependencies">Receives the local files the compile read (calibration data, the tools).</param>
    /// <param name="cancellationToken">Stops the tools (with their child processes).</param>
    private async Task<VendorCompileOutcome> CompileAsync(
        ModelCompileRequest request,
        VendorCompileChoice choice,
        TargetSelection selection,
        ManifestStage stage,
        IReadOnlyList<ResolvedInput> inputs,
        StepOutcome current,
        string display,
        ActionTally tally,
        List<string> dependencies,
        CancellationToken cancellationToken)
    {
        using var scratch = new ScratchDirectory("vendor");
        var modelPath = scratch.Combine("model.onnx");
        await WriteModelAsync(current.Model, modelPath, display, cancellationToken).ConfigureAwait(false);
        var vendorRequest = new VendorCompileRequest(
            modelPath,
            request.Name,
            stage,
            VendorInputs(inputs, current.Signature, choice),
            [.. current.Signature.Outputs.Select(o => new VendorOutput(
                o.Name,
                o.Shape?.Dimensions.Select(d => d.Value).ToList(),
                ManifestElementTypes.FromOnnx(o.ElementType) ?? TensorDataType.Float32))],
            selection.Target,
            selection.Precision,
            request.Vendor.WorkDirectory ?? scratch.Combine("work"))
        {
            ToolPaths = request.Vendor.ToolPaths,
            ToolTimeout = request.Vendor.ToolTimeout,
            WriteNnArchive = choice.NnArchive,
            Environment = request.Vendor.Environment,
            Log = line => services.Log($"ModelBuild: {request.Name}: {line}"),
            PrecisionAt = request.PrecisionAt,
            EngineVersion = services.Engine.Version,
        };

        var toolchain = VendorToolchains.For(choice.Route, _identifier);
        var description = toolchain.Describe(vendorRequest);
        dependencies.AddRange(description.InputFiles);
        var files = description.InputFiles
            .Select((file, i) => new KeyValuePair<string, Sha256Digest>(
                $"calibration.{i}:{Path.GetFileName(file)}",
                Sha256Digest.ComputeFile(file)))
            .ToList();
        var newestKey = services.Keys.VendorCompile(current.Model, files, description.Options, selection, tools: null);
        var elementTypes = InputElementTypes(vendorRequest, description);

        VendorCompilePlan plan;
        try
        {
            plan = await toolchain.PlanAsync(vendorRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolNotFoundException e)
        {
            // No tool here: the newest result made elsewhere (this cache or the remote one) is as good as any.
            var missing = e.Tool;
            var restored = await services.Actions.RunAsync(newestKey, $"{request.Name}: {ActionName} (compiled elsewhere)", () =>
                throw new DiagnosticException(ToolchainDiagnostics.ToolMissingNotCached.Create(
                    request.PrecisionAt, e.Diagnostic.Message, missing.Name, missing
                        .EnvironmentVariable)), tally, cancellationToken).ConfigureAwait(false);
            services.Log($"ModelBuild: {request.Name}: {missing.Name} is not here; using the {selection.Target.Name} result compiled " +
                $"elsewhere by {DescribeTools(restored)}.");
            return Outcome(request, choice, newestKey, restored, files, elementTypes);
        }

        dependencies.AddRange(plan.Tools.Select(t => t.Path));
        var key = services.Keys.VendorCompile(current.Model, files, description.Options, selection, plan.Tools);
        var record = await services.Actions.RunAsync(key, $"{request.Name}: {ActionName}", async () =>
        {
            var result = await toolchain.CompileAsync(plan, cancellationToken).ConfigureAwait(false);
            var outputs = new List<KeyValuePair<string, StoredBlob>>();
            foreach (var file in result.Files.Where(f => f.Kind != VendorOutputKind.Log))
            {
                outputs.Add(new(
                    $"{KindName(file.Kind)}:{file.FileName}",
                    await services.Cache.Content.PutFileAsync(file.Path, cancellationToken: cancellationToken).ConfigureAwait(false)));
            }

            var tools = new JsonArray(
                [.. plan.Tools
                    .Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["version"] = t.Version, ["sha256"] = t.Sha256 })]);
            return new ActionRecord(
                ActionName,
                outputs,
                [new(ToolsMetadata, tools.ToJsonString(Compact)), new(RouteMetadata, VendorRoutes.NameOf(choice.Route))]);
        }, tally, cancellationToken).ConfigureAwait(false);

        if (!Equals(services.Cache.Actions.TryGet(newestKey), record))
        {
            services.Cache.Actions.Put(newestKey, record);
            if (services.Cache.Remote is { } remote)
            {
                await remote.UploadActionAsync(services.Cache.Content, newestKey, record, cancellationToken).ConfigureAwait(false);
            }
        }

        return Outcome(request, choice, key, record, files, elementTypes);
    }

    /// <summary>The model as one file for the tools: the blob itself, or the model with its external data loaded.</summary>
    private async Task WriteModelAsync(StoredModel model, string path, string display, CancellationToken cancellationToken)
    {
        if (model.Data.IsEmpty)
        {
            await using var file = File.Create(path);
            if (!services.Cache.Content.TryCopyTo(model.Model.Digest, file))
            {
                throw new DiagnosticException(CacheDiagnostics.BlobLostInUse.Create(null, model.Model, services.Cache.Root));
            }

            return;
        }

        var proto = services.Store.Read(model, display, null);
        await File.WriteAllBytesAsync(path, OnnxModelFile.Write(proto), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The inputs the toolchain configures: those the model still has (a frozen input is gone), with the model's
    /// shape and element type where the manifest gives none, and neutral preprocessing when the tool must not apply it.
    /// </summary>
    private static List<ResolvedInput> VendorInputs(
        IReadOnlyList<ResolvedInput> inputs,
        OnnxModelSignature model,
        VendorCompileChoice choice)
    {
        var result = new List<ResolvedInput>();
        foreach (var input in inputs)
        {
            if (model.FindInput(input.Name.Value) is not { } value)
            {
                continue;
            }

            var at = input.Name.Location;
            var shape = value.Shape?.Dimensions.Select(d => d.Value).ToList();
            var adjusted = input with
            {
                Shape = shape is not null && shape.All(d => d is not null)
                    ? new Located<IReadOnlyList<long?>>(shape, input.Shape?.Location ?? at)
                    : input.Shape,
                DataType = input.DataType ?? (ManifestElementTypes.FromOnnx(value.ElementType) is { } type
                    ? new Located<TensorDataType>(type, at)
                    : null),
            };
            if (!choice.PassesPreprocessing)
            {
                var fed = input.Encoding.Value.To;
                adjusted = adjusted with
                {
                    MeanValues = null,
                    ScaleValues = null,
                    Encoding = input
                    .Encoding with
                    { Value = new EncodingSpec(fed, fed) }
                };
            }

            result.Add(adjusted);
        }

        return result;
    }

    /// <summary>The element types of the vendor's model inputs, as its NN Archive config gives them; none when the shapes are not
    /// fixed.</summary>
    private static Dictionary<string, string> InputElementTypes(VendorCompileRequest request, VendorCompileDescription description)
    {
        try
        {
            return VendorArchive.Config(request, description.Precision, request.ModelName).Inputs
                .ToDictionary(i => i.Name, i => i.DType, StringComparer.Ordinal);
        }
        catch (DiagnosticException)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
    }

    private static VendorCompileOutcome Outcome(
        ModelCompileRequest request,
        VendorCompileChoice choice,
        ActionKey key,
        ActionRecord record,
        List<KeyValuePair<string, Sha256Digest>> files,
        Dictionary<string, string> elementTypes)
    {
        var named = record.Outputs.Select(o =>
        {
            var colon = o.Key.IndexOf(':', StringComparison.Ordinal);
            return (Kind: o.Key[..colon], File: o.Key[(colon + 1)..], o.Value);
        }).ToList();
        IReadOnlyList<CompiledFile> compiled = choice.NnArchive
            ? [.. named.Where(n => n.Kind == KindName(VendorOutputKind.NnArchive)).Select(n => new CompiledFile(n.File, n.Value))]
            :
            [
                .. named.Where(n => n.Kind == KindName(VendorOutputKind.Model)).Select(n => new CompiledFile(n.File, n.Value)),
                .. named.Where(n => n.Kind == KindName(VendorOutputKind.Weights)).Select(n => new CompiledFile(n.File, n.Value)),

                // Beside ModelBuild's own buildinfo.json, the tool's record keeps a name of its own.
                .. named.Where(n => n.Kind == KindName(VendorOutputKind.BuildInfo))
                    .Select(n => new CompiledFile($"{request.Name}.vendor-buildinfo.json", n.Value)),
            ];
        var info = new JsonObject
        {
            ["action"] = ActionName,
            ["key"] = key.Hex,
            ["route"] = record.Metadata.GetValueOrDefault(RouteMetadata, VendorRoutes.NameOf(choice.Route)),
            ["tools"] = record.Metadata.TryGetValue(ToolsMetadata, out var tools) ? JsonNode.Parse(tools) : null,
            ["inputs"] = new JsonObject([.. files.Select(f => new KeyValuePair<string, JsonNode?>(f.Key, f.Value.Hex))]),
            ["outputs"] = new JsonObject([.. record.Outputs.Select(o => new KeyValuePair<string, JsonNode?>(o.Key, o.Value.Digest.Hex))]),
        };
        return new VendorCompileOutcome(compiled, elementTypes, info);
    }

    private static string DescribeTools(ActionRecord record)
    {
        if (!record.Metadata.TryGetValue(ToolsMetadata, out var json) || JsonNode.Parse(json) is not JsonArray tools)
        {
            return "unknown tools";
        }

        return string.Join(", ", tools.Select(t => $"{t!["name"]} ({t["version"]})"));
    }

    private static string KindName(VendorOutputKind kind) => kind switch
    {
        VendorOutputKind.Model => "model",
        VendorOutputKind.Weights => "weights",
        VendorOutputKind.BuildInfo => "buildinfo",
        VendorOutputKind.NnArchive => "nnarchive",
        _ => "log",
    };
}
