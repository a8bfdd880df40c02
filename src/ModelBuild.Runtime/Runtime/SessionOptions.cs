using System.Collections.ObjectModel;

namespace ModelBuild.Runtime;

/// <summary>
/// How an <see cref="InferenceSession"/> is created. Immutable; every property left at its default
/// keeps ONNX Runtime's own default.
/// </summary>
public sealed record SessionOptions
{
    /// <summary>The ORT config key that names the folder of external data for models loaded from bytes.</summary>
    public const string ExternalDataFolderKey = "session.model_external_initializers_file_folder_path";

    /// <summary>The ORT config key that chooses the optimized model's file format (<c>ORT</c> or <c>ONNX</c>).</summary>
    public const string SaveModelFormatKey = "session.save_model_format";

    /// <summary>The ORT config key that lets a session keep using the bytes of an ORT-format model instead of copying them.</summary>
    internal const string UseModelBytesDirectlyKey = "session.use_ort_model_bytes_directly";

    /// <summary>The options ONNX Runtime uses when given none.</summary>
    public static SessionOptions Default { get; } = new();

    /// <summary>How much the graph is rewritten on load; ORT's default is <see cref="GraphOptimizationLevel.All"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Threads used inside one operator; null or 0 lets ORT choose (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Threads used to run independent operators in parallel; null or 0 lets ORT choose.</summary>
    public int? InterOpThreads { get; init; }

    /// <summary>
    /// When set, ORT writes the model as optimized at <see cref="GraphOptimizationLevel"/> to this file
    /// while the session is created. With <see cref="GraphOptimizationLevel.Basic"/> the ONNX result is portable.
    /// </summary>
    public string? OptimizedModelFilePath { get; init; }

    /// <summary>The format of <see cref="OptimizedModelFilePath"/> (sets <see cref="SaveModelFormatKey"/>).</summary>
    public OptimizedModelFormat OptimizedModelFormat { get; init; } = OptimizedModelFormat.Onnx;

    /// <summary>The least severe message this session logs; ORT's default is <see cref="OnnxRuntimeLogSeverity.Warning"/>.</summary>
    public OnnxRuntimeLogSeverity LogSeverity { get; init; } = OnnxRuntimeLogSeverity.Warning;

    /// <summary>
    /// The folder holding the external data files of a model created from bytes (a model created from a
    /// path finds them beside itself). Sets <see cref="ExternalDataFolderKey"/>.
    /// </summary>
    public string? ExternalDataFolder { get; init; }

    /// <summary>
    /// Further ORT session config entries (see ORT's <c>onnxruntime_session_options_config_keys.h</c>).
    /// Applied last, in ordinal key order, so they override what the properties above set.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Creates the native options; the caller owns and disposes the handle.</summary>
    internal unsafe OrtSessionOptionsHandle CreateNative()
    {
        var api = OnnxRuntimeLibrary.Api;
        nint raw;
        OrtStatus.Check(api.CreateSessionOptions(&raw), "create session options");
        var options = new OrtSessionOptionsHandle(raw);
        try
        {
            OrtStatus.Check(api.SetSessionGraphOptimizationLevel(raw, (int)GraphOptimizationLevel), "set the graph optimization level");
            OrtStatus.Check(api.SetSessionLogSeverityLevel(raw, (int)LogSeverity), "set the log severity");
            if (IntraOpThreads is { } intra)
            {
                OrtStatus.Check(api.SetIntraOpNumThreads(raw, intra), "set the intra-op thread count");
            }

            if (InterOpThreads is { } inter)
            {
                OrtStatus.Check(api.SetInterOpNumThreads(raw, inter), "set the inter-op thread count");
            }

            if (OptimizedModelFilePath is { } optimizedPath)
            {
                fixed (byte* path = NativeText.OrtPath(Path.GetFullPath(optimizedPath)))
                {
                    OrtStatus.Check(api.SetOptimizedModelFilePath(raw, path), "set the optimized model path");
                }

                AddConfigEntry(raw, SaveModelFormatKey, OptimizedModelFormat == OptimizedModelFormat.Ort ? "ORT" : "ONNX");
            }

            if (ExternalDataFolder is { } folder)
            {
                AddConfigEntry(raw, ExternalDataFolderKey, Path.GetFullPath(folder));
            }

            foreach (var key in ConfigEntries.Keys.Order(StringComparer.Ordinal))
            {
                AddConfigEntry(raw, key, ConfigEntries[key]);
            }

            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>Whether the session must keep the model bytes alive (ORT then reads them after creation).</summary>
    internal bool UsesModelBytesDirectly =>
        ConfigEntries.TryGetValue(UseModelBytesDirectlyKey, out var value) && value == "1";

    private static unsafe void AddConfigEntry(nint options, string key, string value)
    {
        fixed (byte* k = NativeText.Utf8(key))
        fixed (byte* v = NativeText.Utf8(value))
        {
            OrtStatus.Check(OnnxRuntimeLibrary.Api.AddSessionConfigEntry(options, k, v), $"set session config entry '{key}'");
        }
    }
}
