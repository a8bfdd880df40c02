using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// ModelBuild's own conversion keys of a stage (ModelConverter has none of them):
/// <c>bake_preprocessing</c>, <c>fp16</c> and <c>validation</c>. Null values take the target's defaults.
/// </summary>
public sealed record ConversionSettings(Located<bool>? BakePreprocessing, Fp16Settings Fp16, ValidationSettings Validation)
{
    public static ConversionSettings Default { get; } = new(null, Fp16Settings.Default, ValidationSettings.Default);
}

/// <summary>
/// The <c>fp16</c> section: <c>keep_io_types</c> (float32 at the model's boundary), <c>op_block_list</c>
/// (replaces the default list of operator types kept in float32) and <c>node_block_list</c> (node names kept in float32).
/// </summary>
public sealed record Fp16Settings(
    Located<bool>? KeepIoTypes,
    Located<IReadOnlyList<string>>? OpBlockList,
    Located<IReadOnlyList<string>>? NodeBlockList)
{
    public static Fp16Settings Default { get; } = new(null, null, null);
}

/// <summary>What a validation that fails does.</summary>
public enum ValidationFailure
{
    /// <summary>The model fails to compile (the default).</summary>
    Error,

    /// <summary>The numbers are reported as a warning and the model is used.</summary>
    Warning,
}

/// <summary>
/// The <c>validation</c> section: how each conversion is checked against the original model, by running
/// both on <see cref="Samples"/> inputs. Thresholds left null take the precision's defaults.
/// <c>validation: false</c> turns the check off (<see cref="Enabled"/>).
/// </summary>
public sealed record ValidationSettings(
    bool Enabled,
    int Samples,
    int Seed,
    double? MinCosine,
    double? MinTop1Agreement,
    double? MaxAbsError,
    ValidationFailure OnFailure,
    SourceLocation? Location)
{
    /// <summary>Four inputs, seed 0, the precision's thresholds, failures are errors.</summary>
    public static ValidationSettings Default { get; } = new(true, 4, 0, null, null, null, ValidationFailure.Error, null);
}
