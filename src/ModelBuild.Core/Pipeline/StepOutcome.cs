using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;

namespace ModelBuild.Core.Pipeline;

/// <summary>The fetched model: its blobs, how diagnostics name it, and where the manifest's input_model says it.</summary>
internal sealed record ModelSource(StoredModel Stored, string DisplayName, SourceLocation? At);

/// <summary>What one converting step left: its key, its model, the model's signature and its report.</summary>
internal sealed record StepOutcome(string Step, ActionKey Key, StoredModel Model, OnnxModelSignature Signature, StepReport Report)
{
    /// <summary>The step as diagnostics name it: <c>prepared</c>, <c>FP16</c>, <c>ORT-format</c>.</summary>
    public string Title => Step switch { "fp16" => "FP16", "ort" => "ORT-format", _ => "prepared" };
}

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
}
