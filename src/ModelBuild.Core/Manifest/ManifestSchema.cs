using System.Collections.Frozen;

namespace ModelBuild.Core.Manifest;

/// <summary>The keys one mapping of the manifest accepts, and which of them are accepted but not applied yet.</summary>
internal sealed record SectionSchema(IReadOnlyList<string> Keys, FrozenSet<string> NotApplied)
{
    public SectionSchema(IReadOnlyList<string> keys, params IEnumerable<string> notApplied)
        : this(keys, notApplied.ToFrozenSet(StringComparer.Ordinal))
    {
    }

    public bool Accepts(string key) => Keys.Contains(key, StringComparer.Ordinal);
}

/// <summary>
/// ModelConverter's config keys (its pydantic models and the keys its validators pop), plus ModelBuild's
/// own. A key outside these is an error; a key in <see cref="SectionSchema.NotApplied"/> is a warning.
/// </summary>
internal static class ManifestSchema
{
    /// <summary>Keys of a stage; in a flat manifest they sit at the top level.</summary>
    public static readonly SectionSchema Stage = new(
        [
            "input_model", "inputs", "outputs",
            "shape", "layout", "data_type", "mean_values", "scale_values", "encoding", "calibration",
            "onnx_simplification", "disable_onnx_simplification",
            "keep_intermediate_outputs", "onnx_optimizations", "disable_onnx_optimizations",
            "output_remote_url", "intermediate_outputs_remote_url", "put_file_plugin",
            "disable_calibration", "yolo_input_shape", "input_bin", "input_file_type",
            "hailo", "rvc2", "rvc3", "rvc4",

            // ModelBuild's own keys.
            "bake_preprocessing", "fp16", "validation", "quantization", "precision",
        ],
        // Accepted but not applied by this version's pipeline (each gives MB1008); remove a key from
        // here when the pass that applies it lands.
        "disable_calibration",
        "keep_intermediate_outputs", "onnx_optimizations", "disable_onnx_optimizations",
        "output_remote_url", "intermediate_outputs_remote_url", "put_file_plugin",
        "yolo_input_shape", "input_bin", "input_file_type");

    /// <summary>Keys that only the top level holds (ModelConverter's <c>Config</c>).</summary>
    public static readonly IReadOnlyList<string> TopLevelOnly = ["name", "rich_logging", "stages"];

    public static readonly SectionSchema FlatRoot = new(
        [.. TopLevelOnly.Where(k => k != "stages"), .. Stage.Keys],
        Stage.NotApplied.Append("rich_logging"));

    public static readonly SectionSchema StagedRoot = new([.. TopLevelOnly, .. Stage.Keys], Stage.NotApplied.Append("rich_logging"));

    /// <summary>ModelBuild's mapping form of <c>input_model</c>.</summary>
    public static readonly SectionSchema InputModel = new(["source", "sha256", "sha384", "sha512", "integrity", "size", "allow_insecure"]);

    public static readonly SectionSchema Input = new(
        ["name", "shape", "layout", "data_type", "mean_values", "scale_values", "encoding", "frozen_value", "calibration"]);

    /// <summary>
    /// An output is cut at its name; its layout is published; its shape and data type are not applied. ModelBuild's
    /// <c>labels</c> and <c>apply_softmax</c> make it a classifier output for the generated class.
    /// </summary>
    public static readonly SectionSchema Output = new(
        ["name", "shape", "layout", "data_type", "labels", "apply_softmax"], "shape", "data_type");

    /// <summary>ModelBuild's <c>fp16</c> section: how FP16 precision converts the model.</summary>
    public static readonly SectionSchema Fp16 = new(["keep_io_types", "op_block_list", "node_block_list"]);

    /// <summary>ModelBuild's <c>validation</c> section: how every conversion is checked against the original.</summary>
    public static readonly SectionSchema Validation = new(
        ["samples", "seed", "min_cosine", "min_top1_agreement", "max_abs_error", "on_failure"]);

    public static readonly IReadOnlyList<string> ValidationFailureModes = ["error", "warning"];

    public static readonly SectionSchema Encoding = new(["from", "to"]);

    public static readonly SectionSchema ImageCalibration = new(["path", "max_images", "resize_method"]);

    public static readonly SectionSchema RandomCalibration = new(["max_images", "min_value", "max_value", "mean", "std", "data_type"]);

    public static readonly SectionSchema LinkCalibration = new(["stage", "output", "script"], "script");

    public static readonly SectionSchema OnnxOptimizations = new(
        [
            "substitute_sub_with_add", "substitute_div_with_mul", "fuse_add_mul_to_bn", "fuse_comb_add_mul_to_conv",
            "fuse_single_add_mul_to_conv", "fuse_split_concat_to_conv",
        ]);

    public static readonly SectionSchema Hailo = new(
        [
            "disable_calibration", "force_onnx_names", "optimization_level", "compression_level", "batch_size", "disable_compilation",
            "alls", "hw_arch",
        ]);

    public static readonly SectionSchema Rvc2 = new(
        ["disable_calibration", "mo_args", "compile_tool_args", "compress_to_fp16", "number_of_shaves", "superblob", "n_workers"]);

    public static readonly SectionSchema Rvc3 = new(
        ["disable_calibration", "mo_args", "compile_tool_args", "compress_to_fp16", "pot_target_device"]);

    public static readonly SectionSchema Rvc4 = new(
        [
            "disable_calibration", "snpe_onnx_to_dlc_args", "snpe_dlc_quant_args", "snpe_dlc_graph_prepare_args",
            "keep_raw_images", "use_per_channel_quantization", "use_per_row_quantization", "optimization_level",
            "quantization_mode", "htp_socs", "encodings",
        ]);

    /// <summary>ModelBuild's <c>quantization</c> section (INT8 precisions).</summary>
    public static readonly SectionSchema Quantization = new(
        [
            "max_drop", "metric", "max_trials", "over_budget", "calibrator", "percentile", "histogram_bins", "quantized_bins",
            "activation_type", "per_channel", "reduce_range", "nodes_to_exclude", "op_types_to_exclude",
            "evaluation", "accuracy_criterion", "timeout", "on_failure",
        ]);

    /// <summary>The <c>quantization.evaluation</c> mapping.</summary>
    public static readonly SectionSchema Evaluation = new(["path", "labels", "max_images", "split", "seed"]);

    /// <summary>The <c>quantization.accuracy_criterion</c> mapping (LPOT's).</summary>
    public static readonly SectionSchema AccuracyCriterion = new(["relative", "absolute", "higher_is_better"]);

    public static readonly IReadOnlyList<string> QuantizationMetrics = ["top1_agreement", "cosine", "sqnr", "top1", "top5"];

    public static readonly IReadOnlyList<string> QuantizationOverBudget = ["error", "warning"];

    public static readonly IReadOnlyList<string> Calibrators = ["minmax", "entropy", "percentile"];

    public static readonly IReadOnlyList<string> QuantizedActivationTypes = ["uint8", "int8"];

    public static readonly IReadOnlyList<string> HailoArchitectures = ["hailo8", "hailo8l", "hailo8r", "hailo10h", "hailo15h", "hailo15m"];

    public static readonly IReadOnlyList<string> PotDevices = ["VPU", "ANY"];

    public static readonly IReadOnlyList<string> QuantizationModes =
    [
        "INT8_STANDARD", "INT8_ACCURACY_FOCUSED", "INT8_INT16_MIXED", "INT8_INT16_MIXED_ACCURACY_FOCUSED", "INT16_STANDARD",
        "FP16_STANDARD", "CUSTOM",
    ];

    public static readonly IReadOnlyList<string> HtpSocs = ["sm8350", "sm8450", "sm8550", "sm8650", "qcs6490", "qcs8550"];

    /// <summary>The values of ModelBuild's stage-level <c>precision</c> (the names of <see cref="Targets.Precision.All"/>).</summary>
    public static readonly IReadOnlyList<string> StagePrecisions = [.. Targets.Precision.All.Select(p => p.Name)];

    public static readonly IReadOnlyList<string> OnnxSimplifiers = ["onnxsim", "onnxslim", "false"];
}
