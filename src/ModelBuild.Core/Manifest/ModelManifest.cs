using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// A validated model manifest: a ModelConverter config plus ModelBuild's keys. A flat manifest has one
/// stage named after the model; a <c>stages:</c> manifest has one per entry, top-level keys already
/// copied into every stage that does not set them.
/// <see cref="FilePath"/> is the manifest file (relative <c>input_model</c> paths are relative to its folder);
/// <see cref="Name"/> is <c>name</c>, else the model file stem (stages: stage names joined by '-');
/// <see cref="NotAppliedKeys"/> lists keys accepted but not applied yet, each reported as MB1008.
/// </summary>
public sealed record ModelManifest(
    string FilePath,
    Located<string> Name,
    IReadOnlyList<ManifestStage> Stages,
    IReadOnlyList<Located<string>> NotAppliedKeys)
{
    /// <summary>True when there is more than one stage (a <c>stages:</c> manifest with one stage is a single model).</summary>
    public bool IsMultiStage => Stages.Count > 1;

    /// <summary>The stage of a flat (or one-stage) manifest; null when there are several.</summary>
    public ManifestStage? SingleStage => Stages.Count == 1 ? Stages[0] : null;

    /// <summary>True when the manifest says <c>name:</c> itself; a project's model then takes that name unless its Name metadata (or
    /// <c>--name</c>) gives one.</summary>
    public bool NameGiven { get; init; }

    /// <summary>
    /// The model's class labels in output order (an Open Model Zoo <c>model_info.labels</c>, or the <c>labels</c> of one of
    /// a flat manifest's <c>outputs</c>); empty when none.
    /// </summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The output <see cref="Labels"/> name the classes of; null for the model's first output.</summary>
    public string? LabeledOutput { get; init; }

    /// <summary>True when the labelled output holds logits, turned into probabilities by a softmax (<c>apply_softmax</c>).</summary>
    public bool ApplySoftmax { get; init; }

    /// <summary>The file the labels were read from, a dependency of the build; null when there is none.</summary>
    public string? LabelsFile { get; init; }
}

/// <summary>
/// The settings of one model (one stage). Empty <see cref="Inputs"/> means every model input with the
/// stage <see cref="Defaults"/>; empty <see cref="Outputs"/> means the model's own outputs.
/// <see cref="NotApplied"/> holds settings that are validated and kept but not applied yet (reported as MB1008).
/// <see cref="Quantization"/> is ModelBuild's <c>quantization</c> section, null when absent.
/// </summary>
public sealed record ManifestStage(
    Located<string> Name,
    InputModelSpec InputModel,
    InputDefaults Defaults,
    IReadOnlyList<InputSpec> Inputs,
    IReadOnlyList<OutputSpec> Outputs,
    Located<OnnxSimplifier> OnnxSimplification,
    VendorOptions Vendors,
    StageExtras NotApplied,
    SourceLocation Location)
{
    /// <summary>ModelBuild's conversion keys: <c>bake_preprocessing</c>, <c>fp16</c>, <c>validation</c>.</summary>
    public ConversionSettings Conversion { get; init; } = ConversionSettings.Default;

    /// <summary>ModelBuild's <c>quantization</c> section, when the manifest has one.</summary>
    public QuantizationSpec? Quantization { get; init; }

    /// <summary>
    /// ModelBuild's stage-level <c>precision</c> (<c>FP16</c>, <c>FP32-INT8</c>...): the precision this stage of a multi-stage
    /// manifest compiles at instead of the model's; null when the stage does not say.
    /// </summary>
    public Located<string>? Precision { get; init; }
}

/// <summary>Which simplifier runs before conversion; <see cref="Off"/> for <c>onnx_simplification: false</c>.</summary>
public enum OnnxSimplifier
{
    Onnxsim,
    Onnxslim,
    Off,
}

/// <summary>The stage keys ModelBuild validates and keeps but does not apply yet.</summary>
public sealed record StageExtras(
    bool KeepIntermediateOutputs,
    OnnxOptimizations OnnxOptimizations,
    string? OutputRemoteUrl,
    string? IntermediateOutputsRemoteUrl,
    string? PutFilePlugin)
{
    public static StageExtras Default { get; } = new(true, OnnxOptimizations.All, null, null, null);
}

/// <summary>ModelConverter's <c>onnx_optimizations</c> switches (all on by default).</summary>
public sealed record OnnxOptimizations(
    bool SubstituteSubWithAdd = true,
    bool SubstituteDivWithMul = true,
    bool FuseAddMulToBn = true,
    bool FuseCombAddMulToConv = true,
    bool FuseSingleAddMulToConv = true,
    bool FuseSplitConcatToConv = true)
{
    public static OnnxOptimizations All { get; } = new();

    public static OnnxOptimizations None { get; } = new(false, false, false, false, false, false);
}

/// <summary>How <c>input_model</c> is written.</summary>
public enum ModelSourceKind
{
    /// <summary>A file path, relative to the manifest's folder unless rooted.</summary>
    Path,

    /// <summary>A URI with a scheme (<c>https:</c>, <c>file:</c>, <c>npm:</c>, <c>s3:</c>...), resolved by Sources.</summary>
    Uri,
}

/// <summary>The model file type, decided by its suffix as ModelConverter does.</summary>
public enum ModelFileFormat
{
    Unknown,
    Onnx,
    OpenVinoIr,
    TfLite,
    Dlc,
    Har,
    PyTorch,
}

/// <summary>
/// <c>input_model</c>: a path or URI as written (nothing is resolved or fetched here), with an optional
/// expected SHA-256 (lower-case hex) and size (ModelBuild's mapping form <c>{source, sha256, size}</c>).
/// <see cref="Scheme"/> is the URI scheme in lower case (<c>https</c>, <c>npm</c>...), null for a path.
/// </summary>
public sealed record InputModelSpec(
    Located<string> Source,
    ModelSourceKind Kind,
    string? Scheme,
    ModelFileFormat Format,
    Located<string>? Sha256,
    Located<long>? Size)
{
    /// <summary>The mapping form's other pins (<c>sha384</c>, <c>sha512</c>, <c>integrity</c>) and <c>allow_insecure</c>.</summary>
    public InputModelPins Pins { get; init; } = InputModelPins.None;

    /// <summary>
    /// For an Open Model Zoo <c>model.yml</c> whose ONNX file comes out of <c>postprocessing</c>: every file to
    /// fetch and the steps to run; <see cref="Source"/> then names the ONNX file in the model's folder. Null otherwise.
    /// </summary>
    public OpenModelZoo.OpenModelZooModel? OpenModelZoo { get; init; }

    /// <summary>The file name without its extension (the last path segment, query and fragment removed).</summary>
    public string Stem
    {
        get
        {
            var text = Source.Value;
            if (Kind == ModelSourceKind.Uri)
            {
                var cut = text.IndexOfAny(['?', '#']);
                text = cut >= 0 ? text[..cut] : text;
            }

            var segment = text.TrimEnd('/', '\\');
            segment = segment[(segment.LastIndexOfAny(['/', '\\', ':']) + 1)..];
            var dot = segment.LastIndexOf('.');
            return dot > 0 ? segment[..dot] : segment;
        }
    }
}

/// <summary>Stage-level settings that apply to every input that does not set its own.</summary>
public sealed record InputDefaults(
    Located<IReadOnlyList<long>>? Shape,
    Located<string>? Layout,
    Located<TensorDataType>? DataType,
    Located<ChannelValues>? MeanValues,
    Located<ChannelValues>? ScaleValues,
    Located<EncodingSpec>? Encoding,
    Located<CalibrationSpec>? Calibration)
{
    public static InputDefaults None { get; } = new(null, null, null, null, null, null, null);
}

/// <summary>
/// One entry of <c>inputs</c>. Null fields fall back to the stage defaults, then to the model.
/// <see cref="Calibration"/> is already merged with the stage's calibration mapping, as ModelConverter does.
/// <see cref="FrozenValue"/> is a constant to feed this input with, as written.
/// </summary>
public sealed record InputSpec(
    Located<string> Name,
    Located<IReadOnlyList<long>>? Shape,
    Located<string>? Layout,
    Located<TensorDataType>? DataType,
    Located<ChannelValues>? MeanValues,
    Located<ChannelValues>? ScaleValues,
    Located<EncodingSpec>? Encoding,
    Located<CalibrationSpec>? Calibration,
    ManifestNode? FrozenValue,
    SourceLocation Location);

/// <summary>One entry of <c>outputs</c>: the model is cut (or kept) at these tensors.</summary>
public sealed record OutputSpec(
    Located<string> Name,
    Located<IReadOnlyList<long>>? Shape,
    Located<string>? Layout,
    Located<TensorDataType>? DataType,
    SourceLocation Location)
{
    /// <summary>The class labels of this output's scores (ModelBuild's <c>labels</c>); null when none.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>True when the scores are logits that a softmax turns into probabilities (ModelBuild's <c>apply_softmax</c>).</summary>
    public bool ApplySoftmax { get; init; }
}

/// <summary>
/// The pins of <c>input_model</c> besides <c>sha256</c> and <c>size</c>: lower-case hex SHA-384 and SHA-512,
/// a Subresource Integrity string (<c>sha512-&lt;base64&gt;</c>), and <c>allow_insecure</c> (plain http to
/// another machine, warned about). Null fields are not set.
/// </summary>
public sealed record InputModelPins(
    Located<string>? Sha384,
    Located<string>? Sha512,
    Located<string>? Integrity,
    Located<bool>? AllowInsecure)
{
    public static InputModelPins None { get; } = new(null, null, null, null);
}
