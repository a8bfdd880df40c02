using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Sources;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// What one model's compile (or its dry run) knows so far: the planning done before any step, then what each
/// step leaves for the next. Also the compile's diagnostics, dependencies and counters.
/// </summary>
internal sealed class CompileState(
    ModelCompileRequest request,
    string manifestPath,
    ModelManifest manifest,
    ManifestStage stage,
    TargetSelection selection,
    InputModelSource input)
{
    /// <summary>The request; its name changes once, to the manifest's <c>name:</c>, when the request's was only the default.</summary>
    public ModelCompileRequest Request { get; set; } = request;

    /// <summary>The manifest's full path.</summary>
    public string ManifestPath { get; } = manifestPath;

    public ModelManifest Manifest { get; } = manifest;

    /// <summary>The manifest's stage this state compiles; its calibration links are replaced by their data before its steps run.</summary>
    public ManifestStage Stage { get; set; } = stage;

    /// <summary>The model's name; a stage of a multi-stage manifest has its own in <see cref="Request"/> (<c>&lt;model&gt;.&lt;stage&gt;</c>).</summary>
    public string ModelName { get; init; } = request.Name;

    public TargetSelection Selection { get; } = selection;

    /// <summary>The manifest's <c>input_model</c> as the fetcher takes it.</summary>
    public InputModelSource Input { get; } = input;

    /// <summary>How a vendor target is compiled; null for onnx and ort.</summary>
    public VendorCompileChoice? Vendor { get; init; }

    /// <summary>What the fetch step brought into the cache (null in a dry run).</summary>
    public FetchedContent? Fetched { get; set; }

    /// <summary>The source's digest: fetched, pinned or read from a local file; null while it is not known.</summary>
    public Sha256Digest? SourceDigest { get; set; }

    /// <summary>The source model in the store, with its external data, and how diagnostics name it (after inspect).</summary>
    public ModelSource? Model { get; set; }

    /// <summary>The source model's inputs and outputs (after inspect).</summary>
    public OnnxModelSignature? Original { get; set; }

    /// <summary>The manifest's inputs resolved against <see cref="Original"/>.</summary>
    public IReadOnlyList<ResolvedInput> Inputs { get; set; } = [];

    /// <summary>What the converting steps do; null until the source is inspected and the plan is valid.</summary>
    public ConversionPlan? Plan { get; set; }

    /// <summary>The converting steps' results so far, in order (prepare, quantize, fp16, ort).</summary>
    public List<StepOutcome> Steps { get; } = [];

    /// <summary>The last converting step's result; in a dry run null once a step's result is not in the cache.</summary>
    public StepOutcome? Current => Steps.Count > 0 ? Steps[^1] : null;

    /// <summary>In a dry run, the step whose result is not cached, so later keys are not known yet.</summary>
    public string? UnknownAfter { get; set; }

    /// <summary>What the vendor-compile step left; null for onnx and ort.</summary>
    public VendorCompileOutcome? VendorOutcome { get; set; }

    /// <summary>The original model's outputs on the validation samples, run once and shared by every step's validation.</summary>
    public ReferenceOutputs References { get; } = new();

    public List<Diagnostic> Diagnostics { get; } = [];

    public List<string> Dependencies { get; } = [];

    public ActionTally Tally { get; } = new();

    /// <summary>Files the steps leave beside the outputs (the quantization report).</summary>
    public List<CompiledFile> Attachments { get; } = [];

    /// <summary>The last stage passed, whether or not the request stops there.</summary>
    public PipelineStage? Completed { get; private set; }

    /// <summary>The source as diagnostics may show it: an absolute path, or a URL without credentials.</summary>
    public string DisplayName => Input.Source.DisplayText;

    /// <summary>Where the manifest names the source model.</summary>
    public SourceLocation? SourceAt => Stage.InputModel.Source.Location;

    /// <summary>The source model, once inspected; an engine fault before.</summary>
    public ModelSource Source => Model ?? throw new InvalidOperationException("The source model is not inspected yet.");

    /// <summary>The plan, once made; an engine fault before.</summary>
    public ConversionPlan ValidPlan => Plan ?? throw new InvalidOperationException("The conversion is not planned yet.");

    /// <summary>Records that <paramref name="stage"/> is done; true when the request asked to stop after it.</summary>
    public bool StopsAfter(PipelineStage stage)
    {
        Completed = stage;
        return Request.StopAfter == stage;
    }

    public ModelCompileOutcome Outcome(CompiledModel? model)
    {
        var failed = Diagnostics.Any(d => d.IsError);
        return new(failed ? null : model, Diagnostics, Dependencies, Tally.Run, Tally.Cached)
        {
            Completed = failed ? null : model is not null ? PipelineStage.Package : Completed == Request.StopAfter ? Completed : null,
            Actions = [.. Tally.Traces],
            Attachments = failed ? [] : [.. Attachments],
        };
    }
}

/// <summary>Unwinds a compile whose reasons are already in its diagnostics.</summary>
internal sealed class CompileStoppedException : Exception;
