using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>What a model says about one of its inputs: its name, its shape (null dimensions are dynamic; a null shape is unknown) and
/// element type.</summary>
public sealed record ModelInput(string Name, IReadOnlyList<long?>? Shape, TensorDataType? DataType = null);

/// <summary>
/// The effective settings of one model input after the manifest is applied. Each value points at the
/// manifest line it came from; values taken from the model point at the manifest file without a line.
/// <see cref="MeanValues"/> and <see cref="ScaleValues"/> hold one value per channel (a single value when
/// the channel count is unknown, applying to every element); null means none.
/// </summary>
public sealed record ResolvedInput(
    Located<string> Name,
    Located<IReadOnlyList<long?>>? Shape,
    Located<string>? Layout,
    long? ChannelCount,
    Located<TensorDataType>? DataType,
    Located<IReadOnlyList<double>>? MeanValues,
    Located<IReadOnlyList<double>>? ScaleValues,
    Located<EncodingSpec> Encoding,
    Located<CalibrationSpec> Calibration,
    ManifestNode? FrozenValue);

/// <summary>The resolved inputs of one stage, or the diagnostics that stopped the resolution.</summary>
public sealed record InputResolution(IReadOnlyList<ResolvedInput> Inputs, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => !Diagnostics.Any(d => d.IsError);
}

/// <summary>
/// Applies a stage's input settings to a model's real inputs, as ModelConverter does: a per-input value
/// wins over the stage default, which wins over the model; the layout defaults from the shape; a
/// 1-channel input is GRAY; a single mean/scale value is repeated for every channel.
/// </summary>
public static class ManifestInputResolver
{
    /// <summary>
    /// The inputs ModelConverter would configure: those listed in the manifest (in its order), or every
    /// model input when none is listed. Model inputs the manifest does not list are left as they are.
    /// </summary>
    public static InputResolution Resolve(ManifestStage stage, IReadOnlyList<ModelInput> modelInputs)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(modelInputs);
        var diagnostics = new UniqueDiagnostics();
        var resolved = new List<ResolvedInput>();
        var modelFile = new SourceLocation(stage.Location.FilePath);
        if (stage.Inputs.Count == 0)
        {
            foreach (var model in modelInputs)
            {
                resolved.Add(Resolve(stage.Defaults, null, model, new Located<string>(model.Name, modelFile), modelFile, diagnostics));
            }
        }

        var names = modelInputs.Select(m => m.Name).ToList();
        foreach (var spec in stage.Inputs)
        {
            var model = modelInputs.FirstOrDefault(m => string.Equals(m.Name, spec.Name.Value, StringComparison.Ordinal));
            if (model is null)
            {
                var hint = names.Count == 0
                    ? "The model has no inputs."
                    : NameSuggestion.Hint(spec.Name.Value, names, "The model's inputs are");
                diagnostics.Add(ManifestDiagnostics.InputNotInModel, spec.Name.Location, spec.Name.Value, hint);
                continue;
            }

            resolved.Add(Resolve(stage.Defaults, spec, model, spec.Name, modelFile, diagnostics));
        }

        return new InputResolution(resolved, diagnostics.Items);
    }

    private static ResolvedInput Resolve(
        InputDefaults defaults,
        InputSpec? spec,
        ModelInput model,
        Located<string> name,
        SourceLocation modelFile,
        UniqueDiagnostics diagnostics)
    {
        var shape = ManifestShape(spec?.Shape ?? defaults.Shape)
            ?? (model.Shape is null ? null : new Located<IReadOnlyList<long?>>(model.Shape, modelFile));

        var layout = spec?.Layout ?? defaults.Layout;
        if (layout is not null && shape is null)
        {
            diagnostics.Add(ManifestDiagnostics.LayoutWithoutShape, layout.Location, layout.Value, name.Value);
        }
        else if (layout is not null && layout.Value.Length != shape!.Value.Count)
        {
            diagnostics.Add(
                ManifestDiagnostics.LayoutRankMismatch,
                layout.Location,
                layout.Value,
                layout.Value.Length,
                LayoutLetters.FormatShape(shape.Value),
                shape.Value.Count);
        }

        layout ??= shape is null ? null : new Located<string>(LayoutLetters.DefaultFor(shape.Value), shape.Location);
        var channels = layout is not null && shape is not null && layout.Value.Length == shape.Value.Count
            ? LayoutLetters.ChannelCount(layout.Value, shape.Value)
            : null;

        var dataType = spec?.DataType ?? defaults.DataType
            ?? (model.DataType is { } modelType ? new Located<TensorDataType>(modelType, modelFile) : null);

        // A 1-channel input is gray whatever the manifest says, as in ModelConverter.
        var encoding = channels == 1
            ? new Located<EncodingSpec>(EncodingSpec.Gray, shape!.Location)
            : spec?.Encoding ?? defaults.Encoding ?? new Located<EncodingSpec>(EncodingSpec.Default, modelFile);

        return new ResolvedInput(
            name,
            shape,
            layout,
            channels,
            dataType,
            Expand("mean_values", spec?.MeanValues ?? defaults.MeanValues, channels, name.Value, diagnostics),
            Expand("scale_values", spec?.ScaleValues ?? defaults.ScaleValues, channels, name.Value, diagnostics),
            encoding,
            spec?.Calibration ?? defaults.Calibration ?? new Located<CalibrationSpec>(RandomCalibration.Default, modelFile),
            spec?.FrozenValue);
    }

    /// <summary>A manifest shape as nullable dimensions; a leading 0 (dynamic batch) becomes 1, as in ModelConverter.</summary>
    private static Located<IReadOnlyList<long?>>? ManifestShape(Located<IReadOnlyList<long>>? shape) =>
        shape is null
            ? null
            : new Located<IReadOnlyList<long?>>([.. shape.Value.Select((d, i) => (long?)(i == 0 && d == 0 ? 1 : d))], shape.Location);

    private static Located<IReadOnlyList<double>>? Expand(
        string key,
        Located<ChannelValues>? values,
        long? channels,
        string input,
        UniqueDiagnostics diagnostics)
    {
        if (values is null)
        {
            return null;
        }

        if (!values.Value.IsBroadcast && channels is { } count && values.Value.Values.Count != count)
        {
            diagnostics.Add(ManifestDiagnostics.ChannelCountMismatch, values.Location, key, values.Value.Values.Count, input, count);
        }

        return new Located<IReadOnlyList<double>>(values.Value.Expand(channels), values.Location);
    }
}
