using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// Reads the settings an input can have, at stage level or per input: shape, layout, data type,
/// mean/scale values, encoding and calibration, each kept with its location.
/// </summary>
internal sealed class InputSettingReader(ManifestValueReader values)
{
    private const string ExpectedChannelValues = "a number, a list of numbers or 'imagenet'";
    private const string ExpectedShape = "a list of non-negative integers";

    public Located<IReadOnlyList<long>>? ReadShape(ManifestNode? node)
    {
        var sequence = values.Sequence(node, ExpectedShape);
        if (sequence is null || sequence.Items.Count == 0)
        {
            // ModelConverter treats an empty shape as no shape.
            return null;
        }

        var dims = new List<long>();
        var ok = true;
        foreach (var item in sequence.Items)
        {
            if (item is ManifestScalar { IsNull: false } scalar && ManifestValueReader.TryParseInteger(scalar.Text, out var dim)
                && dim >= 0)
            {
                dims.Add(dim);
            }
            else
            {
                values.WrongType(item, "a non-negative integer");
                ok = false;
            }
        }

        return ok ? new Located<IReadOnlyList<long>>(dims, sequence.Location) : null;
    }

    public Located<string>? ReadLayout(ManifestNode? node)
    {
        var text = values.Text(node, "a layout such as NCHW");
        if (text is null)
        {
            return null;
        }

        if (!LayoutLetters.IsValid(text.Value))
        {
            values.Diagnostics.Add(
                ManifestDiagnostics.InvalidEnumValue,
                text.Location,
                $"'{text.Value}'{node!.OriginSuffix}",
                node.Path,
                LayoutLetters.ValidDescription,
                string.Empty);
            return null;
        }

        return text with { Value = text.Value.ToUpperInvariant() };
    }

    public void CheckLayoutRank(Located<string>? layout, Located<IReadOnlyList<long>>? shape)
    {
        if (layout is not null && shape is not null && layout.Value.Length != shape.Value.Count)
        {
            values.Diagnostics.Add(
                ManifestDiagnostics.LayoutRankMismatch,
                layout.Location,
                layout.Value,
                layout.Value.Length,
                LayoutLetters.FormatShape(shape.Value.Select(d => (long?)d)),
                shape.Value.Count);
        }
    }

    public Located<TensorDataType>? ReadDataType(ManifestNode? node)
    {
        var text = values.Choice(node, TensorDataTypeNames.All);
        return text is not null && TensorDataTypeNames.TryParse(text.Value, out var type)
            ? new Located<TensorDataType>(type, text.Location)
            : null;
    }

    public Located<ChannelValues>? ReadChannelValues(ManifestNode? node, ChannelValues preset)
    {
        switch (node)
        {
            case null or ManifestScalar { IsNull: true }:
                return null;
            case ManifestScalar scalar when scalar.Text == ChannelValues.ImageNet:
                return new Located<ChannelValues>(preset, scalar.Location);
            case ManifestScalar scalar when ManifestValueReader.TryParseNumber(scalar.Text, out var number):
                return new Located<ChannelValues>(ChannelValues.Broadcast(number), scalar.Location);
            case ManifestSequence { Items.Count: > 0 } sequence:
                var numbers = new List<double>();
                foreach (var item in sequence.Items)
                {
                    if (item is ManifestScalar { IsNull: false } scalar && ManifestValueReader.TryParseNumber(scalar.Text, out var value))
                    {
                        numbers.Add(value);
                    }
                    else
                    {
                        values.WrongType(item, "a number");
                    }
                }

                return numbers.Count == sequence.Items.Count
                    ? new Located<ChannelValues>(ChannelValues.PerChannel(numbers), sequence.Location)
                    : null;
            default:
                values.WrongType(node, ExpectedChannelValues);
                return null;
        }
    }

    public Located<EncodingSpec>? ReadEncoding(ManifestNode? node)
    {
        switch (node)
        {
            case null or ManifestScalar { IsNull: true } or ManifestMapping { Entries.Count: 0 }:
                // ModelConverter treats null and {} as "not set".
                return null;
            case ManifestScalar scalar:
                if (ColorEncodingNames.TryParse(scalar.Text, out var both))
                {
                    return new Located<EncodingSpec>(EncodingSpec.Create(both, both), scalar.Location);
                }

                values.InvalidChoice(scalar, scalar.Text, ColorEncodingNames.All);
                return null;
            case ManifestMapping mapping:
                values.Open(mapping, ManifestSchema.Encoding);
                var from = ReadColorEncoding(mapping.Find("from")?.Value, EncodingSpec.Default.From);
                var to = ReadColorEncoding(mapping.Find("to")?.Value, EncodingSpec.Default.To);
                return from is null || to is null
                    ? null
                    : new Located<EncodingSpec>(EncodingSpec.Create(from.Value, to.Value), mapping.Location);
            default:
                values.WrongType(node, "an encoding (RGB, BGR, GRAY, NONE) or a mapping {from, to}");
                return null;
        }
    }

    private ColorEncoding? ReadColorEncoding(ManifestNode? node, ColorEncoding fallback)
    {
        if (node is null)
        {
            return fallback;
        }

        var text = values.Choice(node, ColorEncodingNames.All);
        if (text is null && ManifestValueReader.IsMissing(node))
        {
            values.WrongType(node, "one of: " + string.Join(", ", ColorEncodingNames.All));
        }

        return text is not null && ColorEncodingNames.TryParse(text.Value, out var encoding) ? encoding : null;
    }

    /// <summary>An input's calibration mapping on top of the stage's one, key by key, as ModelConverter merges them.</summary>
    public static ManifestNode? MergeCalibration(ManifestNode? stageLevel, ManifestNode? own)
    {
        if (own is not ManifestMapping ownMapping || stageLevel is not ManifestMapping stageMapping)
        {
            return own;
        }

        return ownMapping with
        {
            Entries = [.. stageMapping.Entries.Where(e => ownMapping.Find(e.Key.Text) is null), .. ownMapping.Entries],
        };
    }

    public Located<CalibrationSpec>? ReadCalibration(ManifestNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case ManifestScalar { IsNull: true } or ManifestMapping { Entries.Count: 0 }:
                return new Located<CalibrationSpec>(RandomCalibration.Default, node.Location);
            case ManifestScalar { Text: "random" } scalar:
                return new Located<CalibrationSpec>(RandomCalibration.Default, scalar.Location);
            case ManifestMapping mapping when mapping.Find("stage") is not null:
                return ReadLinkCalibration(mapping);
            case ManifestMapping mapping when mapping.Find("path") is not null:
                values.Open(mapping, ManifestSchema.ImageCalibration);
                var pathNode = mapping.Find("path")!.Value;
                var path = values.Text(pathNode, "a folder, archive or URL");
                if (path is null)
                {
                    if (ManifestValueReader.IsMissing(pathNode))
                    {
                        values.WrongType(pathNode, "a folder, archive or URL");
                    }

                    return null;
                }

                var resizeNode = mapping.Find("resize_method")?.Value;
                var resize = resizeNode is null ? null : values.Choice(resizeNode, ResizeMethodNames.All);
                var method = resize is not null && ResizeMethodNames.TryParse(resize.Value, out var parsed) ? parsed : ResizeMethod.Resize;
                return new Located<CalibrationSpec>(
                    new ImageCalibration(path, values.Int32(mapping.Find("max_images")?.Value, -1), method),
                    mapping.Location);
            case ManifestMapping mapping:
                values.Open(mapping, ManifestSchema.RandomCalibration);
                var dataType = ReadDataType(mapping.Find("data_type")?.Value);
                var random = new RandomCalibration(
                    values.Int32(mapping.Find("max_images")?.Value, 20),
                    values.Number(mapping.Find("min_value")?.Value, 0.0),
                    values.Number(mapping.Find("max_value")?.Value, 255.0),
                    values.Number(mapping.Find("mean")?.Value, 127.5),
                    values.Number(mapping.Find("std")?.Value, 35.0),
                    dataType?.Value ?? TensorDataType.Float32);
                return new Located<CalibrationSpec>(random, mapping.Location);
            default:
                values.WrongType(node, "a calibration mapping, 'random' or nothing");
                return null;
        }
    }

    private Located<CalibrationSpec>? ReadLinkCalibration(ManifestMapping mapping)
    {
        values.Open(mapping, ManifestSchema.LinkCalibration);
        var stageNode = mapping.Find("stage")!.Value;
        var stage = values.Text(stageNode, "a stage name");
        if (stage is null && ManifestValueReader.IsMissing(stageNode))
        {
            values.WrongType(stageNode, "a stage name");
        }

        var output = values.Text(mapping.Find("output")?.Value);
        var script = values.Text(mapping.Find("script")?.Value);
        if (output is null && script is null)
        {
            values.Diagnostics
                .Add(ManifestDiagnostics.MissingRequiredKey, mapping.Location, "'output' or 'script'", ManifestPath.Where(mapping));
            return null;
        }

        return stage is null ? null : new Located<CalibrationSpec>(new LinkCalibration(stage, output, script), mapping.Location);
    }
}
