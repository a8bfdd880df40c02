using ModelBuild.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ModelBuild.Core.Manifest;

/// <summary>The tree read from one YAML text, or the syntax error that stopped the reading.</summary>
internal sealed record YamlTree(ManifestNode? Root, YamlSyntaxProblem? Error);

/// <summary>A YAML syntax error: YamlDotNet's message and where it points.</summary>
internal sealed record YamlSyntaxProblem(string Message, SourceLocation Location, bool IsMultipleDocuments = false);

/// <summary>
/// Reads YAML into <see cref="ManifestNode"/>s with YamlDotNet's event parser, keeping the line and
/// column of every key and value. Events rather than YamlDotNet's representation model, because that
/// model stops at the first duplicate key; here every duplicate is reported and reading goes on.
/// Aliases and <c>&lt;&lt;</c> merge keys work as in PyYAML's safe loader, which ModelConverter uses.
/// </summary>
internal sealed class YamlTreeReader
{
    private const string MergeKey = "<<";
    private const string StringTag = "tag:yaml.org,2002:str";

    private readonly Parser _parser;
    private readonly Func<Mark, SourceLocation> _locate;
    private readonly string? _override;
    private readonly UniqueDiagnostics _diagnostics;
    private readonly Dictionary<string, ManifestNode> _anchors = new(StringComparer.Ordinal);
    private Mark _lastEnd = Mark.Empty;

    private YamlTreeReader(string text, Func<Mark, SourceLocation> locate, string? overrideText, UniqueDiagnostics diagnostics)
    {
        _parser = new Parser(new StringReader(text));
        _locate = locate;
        _override = overrideText;
        _diagnostics = diagnostics;
    }

    /// <summary>
    /// Reads the single document of <paramref name="text"/>; its root gets <paramref name="rootPath"/>.
    /// <paramref name="locate"/> turns a mark into a location (the manifest, or the file alone for an
    /// override); <paramref name="overrideText"/> is the override the text is the value of, null for the manifest.
    /// </summary>
    public static YamlTree Read(
        string text,
        string rootPath,
        Func<Mark, SourceLocation> locate,
        string? overrideText,
        UniqueDiagnostics diagnostics) =>
        new YamlTreeReader(text, locate, overrideText, diagnostics).ReadStream(rootPath);

    private ParsingEvent Current => _parser.Current ?? throw new YamlException(_lastEnd, _lastEnd, "unexpected end of the YAML text");

    private void Advance()
    {
        if (_parser.Current is { } current)
        {
            _lastEnd = current.End;
        }

        if (!_parser.MoveNext())
        {
            throw new YamlException(_lastEnd, _lastEnd, "unexpected end of the YAML text");
        }
    }

    private YamlTree ReadStream(string rootPath)
    {
        try
        {
            Advance();
            Expect<StreamStart>();
            Advance();
            if (Current is StreamEnd)
            {
                return new YamlTree(null, null);
            }

            Expect<DocumentStart>();
            Advance();
            var root = ReadNode(rootPath);
            Expect<DocumentEnd>();
            Advance();
            if (Current is DocumentStart second)
            {
                return new YamlTree(root, new YamlSyntaxProblem(string.Empty, _locate(second.Start), IsMultipleDocuments: true));
            }

            return new YamlTree(root, null);
        }
        catch (YamlException e)
        {
            return new YamlTree(null, new YamlSyntaxProblem(e.Message, _locate(e.Start)));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a mark) for some unterminated flow collections.
            return new YamlTree(
                null,
                new YamlSyntaxProblem("the YAML cannot be read past this point (an unclosed '[' or '{'?)", _locate(_lastEnd)));
        }
    }

    private void Expect<T>()
        where T : ParsingEvent
    {
        if (Current is not T)
        {
            throw new YamlException(Current.Start, Current.End, $"expected {typeof(T).Name}, found {Current.GetType().Name}");
        }
    }

    private ManifestNode ReadNode(string path)
    {
        switch (Current)
        {
            case AnchorAlias alias:
                Advance();
                if (_anchors.TryGetValue(alias.Value.Value, out var anchored))
                {
                    return anchored;
                }

                _diagnostics.Add(
                    ManifestDiagnostics.YamlSyntaxError,
                    _locate(alias.Start),
                    $"alias '*{alias.Value.Value}' refers to no anchor defined before it.");
                return Stamp(new ManifestScalar(string.Empty, false, path, _locate(alias.Start)));

            case Scalar scalar:
                Advance();
                var quoted = scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value == StringTag);
                return Anchor(scalar.Anchor, Stamp(new ManifestScalar(scalar.Value, quoted, path, _locate(scalar.Start))));

            case SequenceStart start:
                Advance();
                var items = new List<ManifestNode>();
                while (Current is not SequenceEnd)
                {
                    items.Add(ReadNode(ManifestPath.Item(path, items.Count)));
                }

                Advance();
                return Anchor(start.Anchor, Stamp(new ManifestSequence(items, path, _locate(start.Start))));

            case MappingStart start:
                return ReadMapping(start, path);

            default:
                throw new YamlException(Current.Start, Current.End, $"unexpected {Current.GetType().Name}");
        }
    }

    private ManifestNode ReadMapping(MappingStart start, string path)
    {
        Advance();
        var entries = new List<ManifestEntry>();
        var merged = new List<ManifestEntry>();
        var keys = new Dictionary<string, ManifestScalar>(StringComparer.Ordinal);
        while (Current is not MappingEnd)
        {
            if (Current is not Scalar keyEvent)
            {
                var complexKey = ReadNode(path);
                _ = ReadNode(path);
                _diagnostics.Add(
                    ManifestDiagnostics.WrongValueType,
                    complexKey.Location,
                    path.Length == 0 ? "the manifest" : path,
                    "a mapping whose keys are text",
                    "a key that is " + complexKey.Describe());
                continue;
            }

            var childPath = ManifestPath.Child(path, keyEvent.Value);
            var key = (ManifestScalar)ReadNode(childPath);
            var value = ReadNode(childPath);
            if (!key.IsQuoted && key.Text == MergeKey)
            {
                CollectMerge(value, merged);
            }
            else if (keys.TryGetValue(key.Text, out var first))
            {
                _diagnostics.Add(ManifestDiagnostics.DuplicateKey, key.Location, key.Text, first.Location.Line);
            }
            else
            {
                keys.Add(key.Text, key);
                entries.Add(new ManifestEntry(key, value));
            }
        }

        Advance();

        // Keys written in the mapping win over merged ones; among merged mappings the first wins.
        foreach (var entry in merged)
        {
            if (keys.TryAdd(entry.Key.Text, entry.Key))
            {
                entries.Add(entry);
            }
        }

        return Anchor(start.Anchor, Stamp(new ManifestMapping(entries, path, _locate(start.Start))));
    }

    private void CollectMerge(ManifestNode value, List<ManifestEntry> merged)
    {
        switch (value)
        {
            case ManifestMapping mapping:
                merged.AddRange(mapping.Entries);
                break;
            case ManifestSequence sequence when sequence.Items.All(i => i is ManifestMapping):
                foreach (var item in sequence.Items)
                {
                    merged.AddRange(((ManifestMapping)item).Entries);
                }

                break;
            default:
                _diagnostics.Add(
                    ManifestDiagnostics.WrongValueType,
                    value.Location,
                    value.Path,
                    "a mapping or a list of mappings to merge",
                    value.Describe());
                break;
        }
    }

    private ManifestNode Stamp(ManifestNode node) =>
        _override is null ? node : node with { Override = _override };

    private ManifestNode Anchor(AnchorName anchor, ManifestNode node)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = node;
        }

        return node;
    }
}
