namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The stages of a compile, in order. A request may stop after any of them (the MSBuild targets
/// DownloadModels, ConvertModels and QuantizeModels); what was computed stays in the cache.
/// </summary>
public enum PipelineStage
{
    /// <summary>The model's source is fetched and checked against its pin.</summary>
    Download,

    /// <summary>The model is inspected and converted (prepare, quantize, FP16, ORT format), each step validated.</summary>
    Convert,

    /// <summary>The same steps as <see cref="Convert"/>: quantizing is one of them; INT8 precisions also leave their report.</summary>
    Quantize,

    /// <summary>The output files are named for the target: the whole compile.</summary>
    Package,
}
