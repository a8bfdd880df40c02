using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>One ModelConverter-style override: a dotted key (<c>inputs.0.shape</c>) and a YAML flow value (<c>[1,3,256,256]</c>).</summary>
public sealed record ManifestOverride(string Key, string Value)
{
    /// <summary>The override as written, <c>key=value</c>, for messages.</summary>
    public string Text => $"{Key}={Value}";
}

/// <summary>
/// The overrides of one model (the MSBuild <c>Overrides</c> metadata, the CLI's options), applied to the
/// YAML tree before it is validated. <see cref="Malformed"/> keeps the parts that were not <c>key=value</c>;
/// the loader reports them against the manifest.
/// </summary>
public sealed record ManifestOverrides(IReadOnlyList<ManifestOverride> Items, IReadOnlyList<string> Malformed)
{
    public static ManifestOverrides Empty { get; } = new([], []);

    /// <summary>
    /// Parses <c>key=value;key=value</c>. A <c>;</c> inside brackets, braces or quotes belongs to the value;
    /// empty parts are skipped; keys and values are trimmed.
    /// </summary>
    public static ManifestOverrides Parse(string? text)
    {
        var items = new List<ManifestOverride>();
        var malformed = new List<string>();
        foreach (var part in SplitTopLevel(text ?? string.Empty))
        {
            var trimmed = part.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                malformed.Add(trimmed);
                continue;
            }

            items.Add(new ManifestOverride(trimmed[..equals].Trim(), trimmed[(equals + 1)..].Trim()));
        }

        return new ManifestOverrides(items, malformed);
    }

    /// <summary>Overrides given as separate keys and values (the CLI's <c>key value</c> pairs).</summary>
    public static ManifestOverrides FromPairs(IEnumerable<KeyValuePair<string, string>> pairs) =>
        new([.. pairs.Select(p => new ManifestOverride(p.Key.Trim(), p.Value.Trim()))], []);

    /// <summary>
    /// ModelConverter's command-line overrides: the arguments after the manifest, read as <c>key value</c> pairs
    /// (<c>inputs.0.shape "[1,3,256,256]" calibration.max_images 50</c>).
    /// </summary>
    /// <exception cref="DiagnosticException">An odd number of arguments: the last key has no value (MB2130, naming it).</exception>
    public static ManifestOverrides FromArguments(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count % 2 != 0)
        {
            throw new DiagnosticException(ManifestDiagnostics.OverrideWithoutValue.Create(null, arguments[^1], arguments.Count));
        }

        return FromPairs(Enumerable.Range(0, arguments.Count / 2)
            .Select(i => new KeyValuePair<string, string>(arguments[2 * i], arguments[(2 * i) + 1])));
    }

    /// <summary>
    /// These overrides as the <c>Overrides</c> metadata writes them (<c>key=value;key=value</c>), which
    /// <see cref="Parse"/> reads back; null when there are none.
    /// </summary>
    public string? ToMetadata() => Items.Count == 0 ? null : string.Join(";", Items.Select(i => i.Text));

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        char? quote = null;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c is '[' or '{')
            {
                depth++;
            }
            else if (c is ']' or '}')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (c == ';' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
