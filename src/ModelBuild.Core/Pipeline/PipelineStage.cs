namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The stages of a compile, in order. A request may stop after any of them (the MSBuild targets
/// DownloadModels, ConvertModels and QuantizeModels); what was computed stays in the cache.
/// </summary>
public enum PipelineStage
{
    /// <summary>The model's source is fetched and checked against its pin.</summary>
    Download,

    /// <summary>The model is inspected and prepared (input shapes), and checked in ONNX Runtime.</summary>
    Convert,

    /// <summary>The model is quantized to the precision asked for (no INT8 precision is implemented yet).</summary>
    Quantize,

    /// <summary>The output files are named for the target: the whole compile.</summary>
    Package,
}
