using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Pipeline;

/// <summary>The fetched model: its blobs, how diagnostics name it, and where the manifest's input_model says it.</summary>
internal sealed record ModelSource(StoredModel Stored, string DisplayName, SourceLocation? At);

/// <summary>What one converting step left: its key, its model, the model's signature and its report.</summary>
internal sealed record StepOutcome(string Step, ActionKey Key, StoredModel Model, OnnxModelSignature Signature, StepReport Report)
{
    /// <summary>The step as diagnostics name it: <c>prepared</c>, <c>INT8</c>, <c>FP16</c>, <c>ORT-format</c>.</summary>
    public string Title => Step switch { "fp16" => "FP16", "ort" => "ORT-format", "quantize" => "INT8", _ => "prepared" };

    /// <summary>Files the step leaves beside the outputs (the quantization report), from its action record.</summary>
    public IReadOnlyList<CompiledFile> Attachments { get; init; } = [];

    /// <summary>What the step recorded about its result for later steps (its action record's metadata).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// What a converting step computed, before it is stored: the model, its signature, the passes, the warnings, the
/// original it is checked against, and files to leave beside the outputs.
/// </summary>
internal sealed record StepResult(
    ModelProto Converted,
    OnnxModelSignature Signature,
    List<PassRecord> Passes,
    List<Diagnostic> Warnings,
    ModelProto Original)
{
    public IReadOnlyList<StepAttachment> Attachments { get; init; } = [];

    /// <summary>Facts about the result later steps key on, kept in the action record's metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>A file a step leaves beside the outputs, by name.</summary>
internal sealed record StepAttachment(string FileName, byte[] Content);

/// <summary>The names of action inputs and outputs in keys and records.</summary>
internal static class ActionOutputs
{
    /// <summary>A model (and, with external data, <c>model.data:&lt;file&gt;</c>).</summary>
    public const string Model = "model";

    /// <summary>The source model, an input of the converting actions, which validate against it.</summary>
    public const string Source = "source";

    /// <summary>A model's signature as JSON (<see cref="SignatureJson"/>).</summary>
    public const string Signature = "signature";

    /// <summary>A converting action's <see cref="StepReport"/>.</summary>
    public const string Report = "report";

    /// <summary>The prefix of a file a step leaves beside the outputs, e.g. <c>attachment:quantization-report.html</c>.</summary>
    public const string AttachmentPrefix = "attachment:";
}
