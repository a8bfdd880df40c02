namespace ModelBuild.Core.Manifest;

/// <summary>Reads ModelBuild's conversion keys of a stage: <c>bake_preprocessing</c>, <c>fp16</c>, <c>validation</c>.</summary>
internal sealed class ConversionSettingsReader(ManifestValueReader values)
{
    public ConversionSettings Read(ManifestMapping stage) => new(
        ReadBoolean(stage.Find("bake_preprocessing")?.Value),
        ReadFp16(stage.Find("fp16")?.Value),
        ReadValidation(stage.Find("validation")?.Value));

    private Located<bool>? ReadBoolean(ManifestNode? node) =>
        node is null ? null : new Located<bool>(values.Boolean(node, false), node.Location);

    private Fp16Settings ReadFp16(ManifestNode? node)
    {
        var mapping = values.Mapping(node, "a mapping {keep_io_types, op_block_list, node_block_list}");
        if (mapping is null)
        {
            return Fp16Settings.Default;
        }

        values.Open(mapping, ManifestSchema.Fp16);
        return new Fp16Settings(
            ReadBoolean(mapping.Find("keep_io_types")?.Value),
            ReadNames(mapping.Find("op_block_list")?.Value),
            ReadNames(mapping.Find("node_block_list")?.Value));
    }

    private Located<IReadOnlyList<string>>? ReadNames(ManifestNode? node) =>
        node is not null && values.TextList(node) is { } names ? new Located<IReadOnlyList<string>>(names, node.Location) : null;

    private ValidationSettings ReadValidation(ManifestNode? node)
    {
        var defaults = ValidationSettings.Default;
        switch (node)
        {
            case null:
                return defaults;
            case ManifestScalar scalar when ManifestValueReader.TryParseBoolean(scalar.Text, out var on):
                return defaults with { Enabled = on, Location = scalar.Location };
            case ManifestMapping mapping:
                values.Open(mapping, ManifestSchema.Validation);
                var onFailure = values.Choice(mapping.Find("on_failure")?.Value, ManifestSchema.ValidationFailureModes);
                return new ValidationSettings(
                    true,
                    values.Int32(
                        mapping.Find("samples")?.Value,
                        defaults.Samples,
                        "a whole number from 1 to 1000",
                        v => v is >= 1 and <= 1000),
                    values.Int32(mapping.Find("seed")?.Value, defaults.Seed),
                    Fraction(mapping.Find("min_cosine")?.Value, -1),
                    Fraction(mapping.Find("min_top1_agreement")?.Value, 0),
                    NonNegative(mapping.Find("max_abs_error")?.Value),
                    onFailure?.Value == "warning" ? ValidationFailure.Warning : ValidationFailure.Error,
                    mapping.Location);
            default:
                values.WrongType(
                    node,
                    "true, false or a mapping {samples, seed, min_cosine, min_top1_agreement, max_abs_error, on_failure}");
                return defaults;
        }
    }

    private double? Fraction(ManifestNode? node, double lowest)
    {
        var value = values.Number(node);
        if (value is { } v && (v < lowest || v > 1))
        {
            values.WrongType(node!, $"a number from {lowest} to 1");
            return null;
        }

        return value;
    }

    private double? NonNegative(ManifestNode? node)
    {
        var value = values.Number(node);
        if (value is < 0)
        {
            values.WrongType(node!, "a number of 0 or more");
            return null;
        }

        return value;
    }
}
