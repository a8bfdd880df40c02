using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelBuild.Core.NnArchives;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// An NN Archive given where a manifest is expected, read as ModelConverter reads one: its <c>config.json</c>
/// becomes the manifest a user would have written — the model's name, the archive's model file as
/// <c>input_model</c>, every input's shape, layout, data type, channel order, mean and scale, and the outputs'
/// names — and is then read and validated like any manifest, overrides included.
/// </summary>
public static class NnArchiveManifest
{
    /// <summary>
    /// The manifest text equivalent to <paramref name="config"/> of the archive at <paramref name="archivePath"/>. An archive whose
    /// heads name postprocessing models is a multi-stage model, as ModelConverter reads one: the main model is the first stage,
    /// named after the model, and each postprocessor a stage named after its file (without extension), fed as it is.
    /// </summary>
    public static string ToYaml(NnArchiveConfig config, string archivePath)
    {
        ArgumentNullException.ThrowIfNull(config);
        var flat = FlatYaml(config, archivePath);
        var postprocessors = config.Heads.Select(h => h.PostprocessorPath).OfType<string>().ToList();
        if (postprocessors.Count == 0)
        {
            return flat;
        }

        var lines = flat.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var yaml = new StringBuilder();
        yaml.AppendLine(lines[0]).AppendLine(lines[1]).AppendLine("stages:");
        yaml.Append("  ").Append(Quoted(config.Name)).AppendLine(":");
        foreach (var line in lines.Skip(2))
        {
            yaml.Append("    ").AppendLine(line.TrimEnd('\r'));
        }

        foreach (var path in postprocessors)
        {
            var file = path[(path.LastIndexOfAny(['/', '\\']) + 1)..];
            var dot = file.LastIndexOf('.');
            yaml.Append("  ").Append(Quoted(dot > 0 ? file[..dot] : file)).AppendLine(":");
            yaml.Append("    input_model: ").AppendLine(Quoted(NnArchiveMemberSource.Format(archivePath, path)));
            yaml.AppendLine("    encoding: NONE");
        }

        return yaml.ToString();
    }

    private static string FlatYaml(NnArchiveConfig config, string archivePath)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(archivePath);
        var yaml = new StringBuilder();
        yaml.Append("# From the config.json of the NN Archive ").AppendLine(Quoted(archivePath));
        yaml.Append("name: ").AppendLine(Quoted(config.Name));
        yaml.Append("input_model: ").AppendLine(Quoted(NnArchiveMemberSource.Format(archivePath, config.ModelPath)));
        yaml.AppendLine("inputs:");
        foreach (var input in config.Inputs)
        {
            yaml.Append("  - name: ").AppendLine(Quoted(input.Name));
            yaml.Append("    shape: [").Append(string.Join(", ", input.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))))
                .AppendLine("]");
            yaml.Append("    data_type: ").AppendLine(Quoted(input.DType));
            if (input.Layout.Length > 0)
            {
                yaml.Append("    layout: ").AppendLine(Quoted(input.Layout));
            }

            if (input.InputType != "image")
            {
                yaml.AppendLine("    encoding: NONE");
                continue;
            }

            yaml.Append("    encoding: ").AppendLine(Encoding(input.Preprocessing));
            AppendValues(yaml, "mean_values", input.Preprocessing.Mean);
            AppendValues(yaml, "scale_values", input.Preprocessing.Scale);
        }

        if (config.Outputs.Count > 0)
        {
            yaml.AppendLine("outputs:");
            foreach (var output in config.Outputs)
            {
                yaml.Append("  - name: ").AppendLine(Quoted(output.Name));
            }
        }

        return yaml.ToString();
    }

    // DepthAI's frame type names the order the model takes ("BGR888p", "RGB888i", "GRAY8"); without one,
    // reverse_channels says RGB, as luxonis-ml writes it.
    private static string Encoding(NnArchivePreprocessing preprocessing) => preprocessing.DaiType switch
    {
        { } type when type.StartsWith("RGB", StringComparison.OrdinalIgnoreCase) => "RGB",
        { } type when type.StartsWith("BGR", StringComparison.OrdinalIgnoreCase) => "BGR",
        { } type when type.StartsWith("GRAY", StringComparison.OrdinalIgnoreCase) => "GRAY",
        _ => preprocessing.ReverseChannels == true ? "RGB" : "BGR",
    };

    private static void AppendValues(StringBuilder yaml, string key, IReadOnlyList<double>? values)
    {
        if (values is { Count: > 0 })
        {
            yaml.Append("    ").Append(key).Append(": [")
                .Append(string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))
                .AppendLine("]");
        }
    }

    // A JSON string is a YAML double-quoted scalar: every character escaped the same way.
    private static string Quoted(string text) => JsonSerializer.Serialize(text);
}
