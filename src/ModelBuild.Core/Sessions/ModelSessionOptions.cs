using System.Collections.ObjectModel;
using Microsoft.ML.OnnxRuntime;

namespace ModelBuild.Core.Sessions;

/// <summary>
/// How a <see cref="ModelSession"/> is created. Immutable, so one instance can serve many sessions;
/// every property left at its default keeps ONNX Runtime's own default.
/// </summary>
public sealed record ModelSessionOptions
{
    /// <summary>The ORT config key that chooses the optimized model's file format (<c>ORT</c> or <c>ONNX</c>).</summary>
    public const string SaveModelFormatKey = "session.save_model_format";

    /// <summary>The options ONNX Runtime uses when given none.</summary>
    public static ModelSessionOptions Default { get; } = new();

    /// <summary>How much the graph is rewritten on load; ORT's default is <see cref="GraphOptimization.All"/>.</summary>
    public GraphOptimization OptimizationLevel { get; init; } = GraphOptimization.All;

    /// <summary>Threads used inside one operator; null lets ORT choose (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Threads used to run independent operators in parallel; null lets ORT choose.</summary>
    public int? InterOpThreads { get; init; }

    /// <summary>
    /// When set, ORT writes the model as optimized at <see cref="OptimizationLevel"/> to this file while
    /// the session is created. With <see cref="GraphOptimization.Basic"/> an ONNX result is portable.
    /// </summary>
    public string? OptimizedModelFilePath { get; init; }

    /// <summary>Whether <see cref="OptimizedModelFilePath"/> is written in ORT format instead of ONNX (sets <see
    /// cref="SaveModelFormatKey"/>).</summary>
    public bool SaveAsOrtFormat { get; init; }

    /// <summary>The least severe message this session logs; ORT's default is <see cref="RuntimeLogSeverity.Warning"/>.</summary>
    public RuntimeLogSeverity LogSeverity { get; init; } = RuntimeLogSeverity.Warning;

    /// <summary>
    /// Further ORT session config entries (see ORT's <c>onnxruntime_session_options_config_keys.h</c>),
    /// applied last, in ordinal key order, so they override what the properties above set.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Creates ONNX Runtime's options; the caller owns and disposes them.</summary>
    internal SessionOptions CreateNative()
    {
        var options = new SessionOptions();
        try
        {
            options.GraphOptimizationLevel = OptimizationLevel switch
            {
                GraphOptimization.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            options.LogSeverityLevel = LogSeverity switch
            {
                RuntimeLogSeverity.Verbose => OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE,
                RuntimeLogSeverity.Info => OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO,
                RuntimeLogSeverity.Error => OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                RuntimeLogSeverity.Fatal => OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
                _ => OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            };
            if (IntraOpThreads is { } intra)
            {
                options.IntraOpNumThreads = intra;
            }

            if (InterOpThreads is { } inter)
            {
                options.InterOpNumThreads = inter;
            }

            if (OptimizedModelFilePath is { } optimizedPath)
            {
                options.OptimizedModelFilePath = Path.GetFullPath(optimizedPath);
                options.AddSessionConfigEntry(SaveModelFormatKey, SaveAsOrtFormat ? "ORT" : "ONNX");
            }

            foreach (var key in ConfigEntries.Keys.Order(StringComparer.Ordinal))
            {
                options.AddSessionConfigEntry(key, ConfigEntries[key]);
            }

            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}

/// <summary>How much ONNX Runtime rewrites a graph when it loads it; <see cref="ModelSessionOptions"/> maps it to ORT's own
/// level, so only <c>Sessions/</c> names ONNX Runtime's types.</summary>
public enum GraphOptimization
{
    /// <summary>No rewriting (<c>ORT_DISABLE_ALL</c>).</summary>
    None,

    /// <summary>Semantics-preserving rewrites that any execution provider can run (<c>ORT_ENABLE_BASIC</c>).</summary>
    Basic,

    /// <summary>Also fusions for specific execution providers (<c>ORT_ENABLE_EXTENDED</c>).</summary>
    Extended,

    /// <summary>Everything, including layout changes (<c>ORT_ENABLE_ALL</c>, ORT's default).</summary>
    All,
}

/// <summary>The least severe message ONNX Runtime logs for a session (ORT's <c>OrtLoggingLevel</c>).</summary>
public enum RuntimeLogSeverity
{
    /// <summary>Everything.</summary>
    Verbose,

    /// <summary>Informational messages and worse.</summary>
    Info,

    /// <summary>Warnings and worse (ORT's default).</summary>
    Warning,

    /// <summary>Errors and worse.</summary>
    Error,

    /// <summary>Fatal errors only.</summary>
    Fatal,
}
