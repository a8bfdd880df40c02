using System.Globalization;
using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Manifest.OpenModelZoo;

/// <summary>
/// The preprocessing an Open Model Zoo model's <c>model_optimizer_args</c> describe, as manifest settings, so the
/// accessor publishes what the app must do: <c>--mean_values</c> and <c>--scale_values</c> (<c>[v,…]</c> for every
/// input, or <c>name[v,…]</c> per input, several separated by commas; in the original model's channel order) and
/// <c>--reverse_input_channels</c> (the original model takes RGB; without it, the BGR Open Model Zoo feeds).
/// </summary>
/// <param name="Defaults">Stage-level settings: the channel order, and mean and scale given without an input name.</param>
/// <param name="Mean">Mean values by input name.</param>
/// <param name="Scale">Scale values by input name.</param>
internal sealed partial record OpenModelZooPreprocessing(
    InputDefaults Defaults,
    IReadOnlyDictionary<string, Located<ChannelValues>> Mean,
    IReadOnlyDictionary<string, Located<ChannelValues>> Scale)
{
    [GeneratedRegex(@"^--(?<key>mean_values|scale_values)=(?<value>.+)$")]
    private static partial Regex ValuesArgument();

    [GeneratedRegex(@"\G(?<name>[^\[\],]*)\[(?<values>[^\]]*)\](,|$)")]
    private static partial Regex NamedValues();

    /// <summary>The settings <paramref name="arguments"/> hold; an unreadable one is MB2120 and left out.</summary>
    public static OpenModelZooPreprocessing Read(IReadOnlyList<Located<string>> arguments, UniqueDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var mean = new Dictionary<string, Located<ChannelValues>>(StringComparer.Ordinal);
        var scale = new Dictionary<string, Located<ChannelValues>>(StringComparer.Ordinal);
        var defaults = InputDefaults.None;
        var reverse = arguments.FirstOrDefault(a => a.Value == "--reverse_input_channels");
        var at = reverse?.Location ?? (arguments.Count > 0 ? arguments[0].Location : null);
        if (at is not null)
        {
            // Open Model Zoo feeds BGR; --reverse_input_channels says the original model was trained on RGB.
            var encoding = reverse is null ? new EncodingSpec(ColorEncoding.Bgr, ColorEncoding.Bgr) : EncodingSpec.Default;
            defaults = defaults with { Encoding = new Located<EncodingSpec>(encoding, at) };
        }

        foreach (var argument in arguments)
        {
            var match = ValuesArgument().Match(argument.Value);
            if (!match.Success)
            {
                continue;
            }

            var isMean = match.Groups["key"].Value == "mean_values";
            var text = match.Groups["value"].Value;
            var parsed = Parse(text);
            if (parsed is null)
            {
                diagnostics.Add(
                    OpenModelZooDiagnostics.PreprocessingArgumentUnreadable,
                    argument.Location,
                    argument.Value,
                    "expected [v1,v2,v3] or input[v1,v2,v3]");
                continue;
            }

            foreach (var (input, values) in parsed)
            {
                var located = new Located<ChannelValues>(values, argument.Location);
                if (input.Length == 0)
                {
                    defaults = isMean ? defaults with { MeanValues = located } : defaults with { ScaleValues = located };
                }
                else
                {
                    (isMean ? mean : scale)[input] = located;
                }
            }
        }

        return new OpenModelZooPreprocessing(defaults, mean, scale);
    }

    /// <summary>The (input, values) pairs of <paramref name="text"/>, or null when it is not of the expected form.</summary>
    private static List<(string Input, ChannelValues Values)>? Parse(string text)
    {
        var result = new List<(string, ChannelValues)>();
        var position = 0;
        foreach (Match match in NamedValues().Matches(text))
        {
            var values = new List<double>();
            foreach (var part in match.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    return null;
                }

                values.Add(value);
            }

            result.Add((match.Groups["name"].Value.Trim(), values.Count == 1
                ? ChannelValues.Broadcast(values[0])
                : new ChannelValues(values, false, null)));
            position = match.Index + match.Length;
        }

        return result.Count > 0 && position == text.Length ? result : null;
    }
}
