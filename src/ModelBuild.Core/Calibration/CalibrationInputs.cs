using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Calibration;

/// <summary>Builds the <see cref="CalibrationInput"/>s of a model from its manifest.</summary>
public static class CalibrationInputs
{
    /// <summary>
    /// One calibration input per model input: those the manifest lists take its calibration and image
    /// settings; the others get ModelConverter's default, random data.
    /// </summary>
    /// <param name="resolved">The manifest's settings applied to the model (<see cref="ManifestInputResolver"/>).</param>
    /// <param name="modelInputs">The inputs of the model to calibrate, as ONNX Runtime sees them (shapes fixed).</param>
    /// <param name="manifestDirectory">What relative calibration paths are relative to.</param>
    /// <param name="preprocessingInModel">True when the mean, scale and channel flip are baked into the model, which then takes raw
    /// pixels.</param>
    public static IReadOnlyList<CalibrationInput> FromManifest(
        IReadOnlyList<ResolvedInput> resolved,
        IReadOnlyList<TensorInfo> modelInputs,
        string manifestDirectory,
        bool preprocessingInModel = false)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(modelInputs);
        ArgumentNullException.ThrowIfNull(manifestDirectory);
        var result = new List<CalibrationInput>(modelInputs.Count);
        foreach (var model in modelInputs)
        {
            var settings = resolved.FirstOrDefault(r => string.Equals(r.Name.Value, model.Name, StringComparison.Ordinal));
            var source = settings?.Calibration.Value ?? RandomCalibration.Default;
            var feed = settings is null ? null : ImageFeed.FromResolved(settings, preprocessingInModel);
            result.Add(new CalibrationInput(
                model.Name,
                model.ElementType,
                model.Shape,
                source,
                feed,
                manifestDirectory,
                settings?.Calibration.Location ?? settings?.Name.Location));
        }

        return result;
    }

    /// <summary>
    /// Calibration inputs that all read the same kind of data: every input gets <paramref name="source"/>, with
    /// <paramref name="feed"/> for image inputs (the command line's form, without a manifest).
    /// </summary>
    public static IReadOnlyList<CalibrationInput> Uniform(
        IReadOnlyList<TensorInfo> modelInputs,
        CalibrationSpec source,
        ImageFeed? feed,
        string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelInputs);
        return [.. modelInputs.Select(m => new CalibrationInput(m.Name, m.ElementType, m.Shape, source, feed, baseDirectory))];
    }

    /// <summary>Checks that <paramref name="sample"/> feeds exactly the model's inputs, by name.</summary>
    /// <exception cref="DiagnosticException">A sample names an unknown input or leaves one out (MB8118, MB8119).</exception>
    internal static void CheckNames(CalibrationSample sample, IReadOnlyList<TensorInfo> modelInputs)
    {
        var names = string.Join(", ", modelInputs.Select(i => i.Name));
        foreach (var tensor in sample.Inputs)
        {
            if (!modelInputs.Any(i => i.Name == tensor.Name))
            {
                throw new DiagnosticException(CalibrationDiagnostics.UnknownInput.Create(null, tensor.Name, names));
            }
        }

        foreach (var input in modelInputs)
        {
            if (!sample.Inputs.Any(t => t.Name == input.Name))
            {
                throw new DiagnosticException(CalibrationDiagnostics.MissingInput.Create(null, input.Name, names));
            }
        }
    }
}
