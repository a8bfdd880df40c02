namespace ModelBuild.Core.Zoo;

/// <summary>A model of a zoo folder: its name, its folder under the output root ('/' separators) and its manifest.</summary>
public sealed record ZooModel(string Name, string Subdirectory, string ManifestPath);

/// <summary>One model at one precision, written to <see cref="OutputFolder"/> (<c>&lt;out&gt;/&lt;subdirectory&gt;/&lt;precision&gt;</c>).</summary>
public sealed record ZooJob(ZooModel Model, string Precision, string OutputFolder);

/// <summary>A precision a model is not made in, and why (the target does not produce it).</summary>
public sealed record ZooSkip(ZooModel Model, string Precision, string Reason);

/// <summary>What a whole-zoo run does: the jobs in order (by model, then precision), and what it leaves out.</summary>
public sealed record ZooPlan(string Target, IReadOnlyList<ZooJob> Jobs, IReadOnlyList<ZooSkip> Skipped);

/// <summary>What a whole-zoo run makes: float models (<c>convert</c>) or INT8 models (<c>quantize</c>).</summary>
public enum ZooRunKind
{
    /// <summary><c>modelbuild convert --models_dir</c>, as Open Model Zoo's converter: default precisions FP16 and FP32.</summary>
    Convert,

    /// <summary><c>modelbuild quantize --models_dir</c>, as Open Model Zoo's quantizer: INT8 precisions only.</summary>
    Quantize,
}
