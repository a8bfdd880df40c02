using System.Text.RegularExpressions;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// Validates a manifest tree against ModelConverter's schema plus ModelBuild's keys and builds the
/// <see cref="ModelManifest"/> records. Every problem is reported at the key or value it concerns.
/// </summary>
internal sealed partial class ManifestReader(string filePath, ManifestValueReader values)
{
    private readonly InputSettingReader _settings = new(values);
    private readonly VendorSectionReader _vendors = new(values);
    private readonly ConversionSettingsReader _conversion = new(values);
    private readonly QuantizationSectionReader _quantization = new(values);

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{96}$")]
    private static partial Regex Sha384Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{128}$")]
    private static partial Regex Sha512Pattern();

    // One or more space-separated "alg-base64" entries, as Subresource Integrity writes them.
    [GeneratedRegex(@"^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}(\?\S*)?( +(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}(\?\S*)?)*$")]
    private static partial Regex IntegrityPattern();

    // A scheme of two letters or more, so that a Windows drive (C:\...) stays a path.
    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]+):")]
    private static partial Regex UriScheme();

    private UniqueDiagnostics Diagnostics => values.Diagnostics;

    /// <summary>Reads the whole manifest; null when it has errors (they are in the diagnostics).</summary>
    public ModelManifest? Read(ManifestNode? root)
    {
        if (root is not ManifestMapping top)
        {
            Diagnostics.Add(
                ManifestDiagnostics.RootNotMapping,
                root?.Location ?? new SourceLocation(filePath, 1, 1),
                root is null or ManifestScalar { IsNull: true } ? "an empty document" : root.Describe());
            return null;
        }

        var manifest = top.Find("stages") is { } stages ? ReadStaged(top, stages) : ReadFlat(top);
        return Diagnostics.HasErrors ? null : manifest;
    }

    private ModelManifest? ReadFlat(ManifestMapping top)
    {
        values.Open(top, ManifestSchema.FlatRoot);
        var name = values.Text(top.Find("name")?.Value);
        values.Boolean(top.Find("rich_logging")?.Value, true);
        if (top.Find("precision") is { } precision)
        {
            // One model's precision is the project's (Precision metadata, --precision); only a stage may differ from it.
            Diagnostics.Add(ManifestDiagnostics.PrecisionOutsideStages, precision.Key.Location, precision.Key.Text);
        }

        var stage = ReadStage(top, ManifestSchema.FlatRoot, name);
        if (stage is null)
        {
            return null;
        }

        // ModelBuild's outputs[].labels: the classifier output an app reads as a Classification.
        var labeled = stage.Outputs.FirstOrDefault(o => o.Labels is not null);
        return new ModelManifest(filePath, stage.Name, [stage], values.NotApplied)
        {
            NameGiven = name is not null,
            Labels = labeled?.Labels ?? [],
            LabeledOutput = labeled?.Name.Value,
            ApplySoftmax = labeled?.ApplySoftmax ?? false,
        };
    }

    private ModelManifest? ReadStaged(ManifestMapping top, ManifestEntry stagesEntry)
    {
        values.Open(top, ManifestSchema.StagedRoot);
        var name = values.Text(top.Find("name")?.Value);
        values.Boolean(top.Find("rich_logging")?.Value, true);

        const string ExpectedStages = "a non-empty mapping of stage names to stage settings";
        var stagesMapping = values.Mapping(stagesEntry.Value, ExpectedStages);
        if (stagesMapping is null || stagesMapping.Entries.Count == 0)
        {
            if (stagesMapping is not null || ManifestValueReader.IsMissing(stagesEntry.Value))
            {
                values.WrongType(stagesEntry.Value, ExpectedStages);
            }

            return null;
        }

        // Top-level stage keys are defaults, copied into every stage that does not set them.
        var defaults = top.Entries
            .Where(e => !ManifestSchema.TopLevelOnly.Contains(e.Key.Text) && ManifestSchema.Stage.Accepts(e.Key.Text))
            .ToList();
        var stages = new List<ManifestStage>();
        foreach (var entry in stagesMapping.Entries)
        {
            var own = values.Mapping(entry.Value, "a mapping of stage settings");
            if (own is null)
            {
                if (ManifestValueReader.IsMissing(entry.Value))
                {
                    values.WrongType(entry.Value, "a mapping of stage settings");
                }

                continue;
            }

            var merged = own with { Entries = [.. own.Entries, .. defaults.Where(d => own.Find(d.Key.Text) is null)] };
            if (ReadStage(merged, ManifestSchema.Stage, new Located<string>(entry.Key.Text, entry.Key.Location)) is { } stage)
            {
                stages.Add(stage);
            }
        }

        if (stages.Count != stagesMapping.Entries.Count)
        {
            return null;
        }

        var given = name is not null;
        name ??= new Located<string>(string.Join("-", stages.Select(s => s.Name.Value)), stagesEntry.Key.Location);
        return new ModelManifest(filePath, name, stages, values.NotApplied) { NameGiven = given };
    }

    private ManifestStage? ReadStage(ManifestMapping stage, SectionSchema schema, Located<string>? name)
    {
        values.Open(stage, schema);
        var inputModel = ReadInputModel(stage);
        var defaultCalibration = stage.Find("calibration")?.Value;
        var defaults = new InputDefaults(
            _settings.ReadShape(stage.Find("shape")?.Value),
            _settings.ReadLayout(stage.Find("layout")?.Value),
            _settings.ReadDataType(stage.Find("data_type")?.Value),
            _settings.ReadChannelValues(stage.Find("mean_values")?.Value, ChannelValues.ImageNetMean),
            _settings.ReadChannelValues(stage.Find("scale_values")?.Value, ChannelValues.ImageNetScale),
            _settings.ReadEncoding(stage.Find("encoding")?.Value),
            _settings.ReadCalibration(defaultCalibration));
        _settings.CheckLayoutRank(defaults.Layout, defaults.Shape);

        var inputs = ReadInputs(stage.Find("inputs")?.Value, defaultCalibration);
        var outputs = ReadOutputs(stage.Find("outputs")?.Value);
        var simplification = ReadSimplification(stage);
        var extras = ReadExtras(stage);
        var vendors = _vendors.Read(stage);
        var conversion = _conversion.Read(stage);
        var quantization = _quantization.Read(stage);
        var precision = schema == ManifestSchema.FlatRoot
            ? null
            : values.Choice(stage.Find("precision")?.Value, ManifestSchema.StagePrecisions);
        if (inputModel is null)
        {
            return null;
        }

        return new ManifestStage(
            name ?? new Located<string>(inputModel.Stem, inputModel.Source.Location),
            inputModel,
            defaults,
            inputs,
            outputs,
            simplification,
            vendors,
            extras,
            stage.Location)
        {
            Conversion = conversion,
            Quantization = quantization,
            Precision = precision,
        };
    }

    private InputModelSpec? ReadInputModel(ManifestMapping stage)
    {
        var node = stage.Find("input_model")?.Value;
        if (ManifestValueReader.IsMissing(node))
        {
            Diagnostics.Add(
                ManifestDiagnostics.MissingRequiredKey,
                node?.Location ?? stage.Location,
                "'input_model'",
                ManifestPath.Where(stage));
            return null;
        }

        Located<string>? source;
        Located<string>? sha256 = null;
        Located<long>? size = null;
        InputModelPins pins = InputModelPins.None;
        switch (node)
        {
            case ManifestScalar scalar:
                source = new Located<string>(scalar.Text, scalar.Location);
                break;
            case ManifestMapping mapping:
                values.Open(mapping, ManifestSchema.InputModel);
                var sourceNode = mapping.Find("source")?.Value;
                source = values.Text(sourceNode, "a path or URI");
                if (source is null && ManifestValueReader.IsMissing(sourceNode))
                {
                    Diagnostics.Add(
                        ManifestDiagnostics.MissingRequiredKey,
                        sourceNode?.Location ?? mapping.Location,
                        "'source'",
                        ManifestPath.Where(mapping));
                }

                sha256 = ReadSha256(mapping.Find("sha256")?.Value);
                pins = new InputModelPins(
                    ReadHexDigest(mapping.Find("sha384")?.Value, "SHA-384", 96, Sha384Pattern()),
                    ReadHexDigest(mapping.Find("sha512")?.Value, "SHA-512", 128, Sha512Pattern()),
                    ReadIntegrity(mapping.Find("integrity")?.Value),
                    mapping.Find("allow_insecure")?.Value is { } insecure
                        ? new Located<bool>(values.Boolean(insecure, false), insecure.Location)
                        : null);
                var sizeNode = mapping.Find("size")?.Value;
                if (values.Integer(sizeNode, "a non-negative integer (bytes)", v => v >= 0) is { } bytes)
                {
                    size = new Located<long>(bytes, sizeNode!.Location);
                }

                break;
            default:
                values.WrongType(node!, "a path or URI, or a mapping {source, sha256, size}");
                return null;
        }

        if (source is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(source.Value))
        {
            Diagnostics.Add(ManifestDiagnostics.WrongValueType, source.Location, node!.Path, "a path or URI", "empty text");
            return null;
        }

        var scheme = UriScheme().Match(source.Value);
        var kind = scheme.Success ? ModelSourceKind.Uri : ModelSourceKind.Path;
        var spec = new InputModelSpec(
            source,
            kind,
            scheme.Success ? scheme.Groups[1].Value.ToLowerInvariant() : null,
            ModelFileFormat.Unknown,
            sha256,
            size)
        { Pins = pins };
        return spec with { Format = FormatOf(spec.Source.Value, kind) };
    }

    private static ModelFileFormat FormatOf(string source, ModelSourceKind kind)
    {
        if (kind == ModelSourceKind.Uri)
        {
            var cut = source.IndexOfAny(['?', '#']);
            source = cut >= 0 ? source[..cut] : source;
        }

        var dot = source.LastIndexOf('.');
        var extension = dot >= 0 && source.IndexOfAny(['/', '\\'], dot) < 0 ? source[dot..].ToLowerInvariant() : string.Empty;
        return extension switch
        {
            ".onnx" => ModelFileFormat.Onnx,
            ".xml" or ".bin" => ModelFileFormat.OpenVinoIr,
            ".tflite" => ModelFileFormat.TfLite,
            ".dlc" => ModelFileFormat.Dlc,
            ".har" => ModelFileFormat.Har,
            ".pt" or ".pth" => ModelFileFormat.PyTorch,
            _ => ModelFileFormat.Unknown,
        };
    }

    private Located<string>? ReadSha256(ManifestNode? node)
    {
        var text = values.Text(node, "a SHA-256 digest (64 hexadecimal characters)");
        if (text is null)
        {
            return null;
        }

        if (!Sha256Pattern().IsMatch(text.Value))
        {
            Diagnostics.Add(ManifestDiagnostics.InvalidSha256, text.Location, node!.Path, node.Describe() + node.OriginSuffix);
            return null;
        }

        return text with { Value = text.Value.ToLowerInvariant() };
    }

    private Located<string>? ReadHexDigest(ManifestNode? node, string algorithm, int length, Regex pattern)
    {
        var text = values.Text(node, $"a {algorithm} digest ({length} hexadecimal characters)");
        if (text is null)
        {
            return null;
        }

        if (!pattern.IsMatch(text.Value))
        {
            Diagnostics.Add(
                ManifestDiagnostics.InvalidDigest,
                text.Location,
                node!.Path,
                algorithm,
                length,
                node.Describe() + node.OriginSuffix);
            return null;
        }

        return text with { Value = text.Value.ToLowerInvariant() };
    }

    private Located<string>? ReadIntegrity(ManifestNode? node)
    {
        var text = values.Text(node, "a Subresource Integrity string (sha512-<base64>)");
        if (text is null)
        {
            return null;
        }

        if (!IntegrityPattern().IsMatch(text.Value.Trim()) || !IntegrityDigestsHaveTheirLength(text.Value))
        {
            Diagnostics.Add(ManifestDiagnostics.InvalidIntegrity, text.Location, node!.Path, node.Describe() + node.OriginSuffix);
            return null;
        }

        return text with { Value = text.Value.Trim() };
    }

    /// <summary>Each SRI entry's base64 decodes to its algorithm's hash size (32, 48 or 64 bytes).</summary>
    private static bool IntegrityDigestsHaveTheirLength(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(entry =>
        {
            var dash = entry.IndexOf('-', StringComparison.Ordinal);
            var base64 = entry[(dash + 1)..].Split('?')[0];
            var expected = entry[..dash] switch { "sha256" => 32, "sha384" => 48, _ => 64 };
            var bytes = new byte[base64.Length];
            return Convert.TryFromBase64String(base64, bytes, out var written) && written == expected;
        });

    private List<InputSpec> ReadInputs(ManifestNode? node, ManifestNode? defaultCalibration)
    {
        var inputs = new List<InputSpec>();
        var sequence = values.Sequence(node, "a list of inputs");
        if (sequence is null)
        {
            return inputs;
        }

        var seen = new Dictionary<string, Located<string>>(StringComparer.Ordinal);
        foreach (var item in sequence.Items)
        {
            if (ReadTensorEntry(item, ManifestSchema.Input, "Input", seen) is not { } entry)
            {
                continue;
            }

            var (mapping, name) = entry;
            var shape = _settings.ReadShape(mapping.Find("shape")?.Value);
            var layout = _settings.ReadLayout(mapping.Find("layout")?.Value);
            _settings.CheckLayoutRank(layout, shape);
            var frozen = mapping.Find("frozen_value")?.Value;
            inputs.Add(new InputSpec(
                name,
                shape,
                layout,
                _settings.ReadDataType(mapping.Find("data_type")?.Value),
                _settings.ReadChannelValues(mapping.Find("mean_values")?.Value, ChannelValues.ImageNetMean),
                _settings.ReadChannelValues(mapping.Find("scale_values")?.Value, ChannelValues.ImageNetScale),
                _settings.ReadEncoding(mapping.Find("encoding")?.Value),
                _settings.ReadCalibration(InputSettingReader.MergeCalibration(defaultCalibration, mapping.Find("calibration")?.Value)),
                ManifestValueReader.IsMissing(frozen) ? null : frozen,
                mapping.Location));
        }

        return inputs;
    }

    private List<OutputSpec> ReadOutputs(ManifestNode? node)
    {
        var outputs = new List<OutputSpec>();
        var sequence = values.Sequence(node, "a list of outputs");
        if (sequence is null)
        {
            return outputs;
        }

        var seen = new Dictionary<string, Located<string>>(StringComparer.Ordinal);
        foreach (var item in sequence.Items)
        {
            if (ReadTensorEntry(item, ManifestSchema.Output, "Output", seen) is not { } entry)
            {
                continue;
            }

            var (mapping, name) = entry;
            var shape = _settings.ReadShape(mapping.Find("shape")?.Value);
            var layout = _settings.ReadLayout(mapping.Find("layout")?.Value);
            _settings.CheckLayoutRank(layout, shape);
            outputs.Add(new OutputSpec(name, shape, layout, _settings.ReadDataType(mapping.Find("data_type")?.Value), mapping.Location)
            {
                Labels = values.TextList(mapping.Find("labels")?.Value),
                ApplySoftmax = values.Boolean(mapping.Find("apply_softmax")?.Value, false),
            });
        }

        return outputs;
    }

    /// <summary>Opens one entry of <c>inputs</c>/<c>outputs</c>: a mapping with a unique name.</summary>
    private (ManifestMapping Mapping, Located<string> Name)? ReadTensorEntry(
        ManifestNode item,
        SectionSchema schema,
        string noun,
        Dictionary<string, Located<string>> seen)
    {
        var mapping = values.Mapping(item, "a mapping with at least 'name'");
        if (mapping is null)
        {
            if (ManifestValueReader.IsMissing(item))
            {
                values.WrongType(item, "a mapping with at least 'name'");
            }

            return null;
        }

        values.Open(mapping, schema);
        var nameNode = mapping.Find("name")?.Value;
        var name = values.Text(nameNode, "a tensor name");
        if (name is null)
        {
            if (ManifestValueReader.IsMissing(nameNode))
            {
                Diagnostics.Add(
                    ManifestDiagnostics.MissingRequiredKey,
                    nameNode?.Location ?? mapping.Location,
                    "'name'",
                    ManifestPath.Where(mapping));
            }

            return null;
        }

        if (!seen.TryAdd(name.Value, name))
        {
            Diagnostics.Add(ManifestDiagnostics.DuplicateTensorName, name.Location, noun, name.Value, seen[name.Value].Location.Line);
        }

        return (mapping, name);
    }

    private Located<OnnxSimplifier> ReadSimplification(ManifestMapping stage)
    {
        var entry = stage.Find("onnx_simplification");
        var result = new Located<OnnxSimplifier>(OnnxSimplifier.Onnxsim, stage.Location);
        if (entry is not null)
        {
            var node = entry.Value;
            if (node is ManifestScalar { Text: "onnxsim" or "onnxslim" } named)
            {
                result = new(named.Text == "onnxsim" ? OnnxSimplifier.Onnxsim : OnnxSimplifier.Onnxslim, named.Location);
            }
            else if (node is ManifestScalar scalar && ManifestValueReader.TryParseBoolean(scalar.Text, out var on) && !on)
            {
                result = new(OnnxSimplifier.Off, scalar.Location);
            }
            else if (node is ManifestScalar other)
            {
                values.InvalidChoice(other, other.Text, ManifestSchema.OnnxSimplifiers);
            }
            else
            {
                values.WrongType(node, "one of: " + string.Join(", ", ManifestSchema.OnnxSimplifiers));
            }
        }

        if (stage.Find("disable_onnx_simplification") is { } deprecated)
        {
            Diagnostics.Add(ManifestDiagnostics.DeprecatedKey, deprecated.Key.Location, deprecated.Key.Path, "onnx_simplification: false");
            if (values.Boolean(deprecated.Value, false))
            {
                if (entry is not null)
                {
                    Diagnostics.Add(ManifestDiagnostics.ConflictingKeys, deprecated.Key.Location, deprecated.Key.Path, entry.Key.Path);
                }

                result = new(OnnxSimplifier.Off, deprecated.Value.Location);
            }
        }

        return result;
    }

    private StageExtras ReadExtras(ManifestMapping stage)
    {
        var optimizations = ReadOnnxOptimizations(stage.Find("onnx_optimizations")?.Value);
        if (stage.Find("disable_onnx_optimizations") is { } deprecated)
        {
            Diagnostics.Add(ManifestDiagnostics.DeprecatedKey, deprecated.Key.Location, deprecated.Key.Path, "onnx_optimizations: false");
            if (values.Boolean(deprecated.Value, false))
            {
                if (stage.Find("onnx_optimizations") is { } both)
                {
                    Diagnostics.Add(ManifestDiagnostics.ConflictingKeys, deprecated.Key.Location, deprecated.Key.Path, both.Key.Path);
                }

                optimizations = OnnxOptimizations.None;
            }
        }

        var yolo = stage.Find("yolo_input_shape")?.Value;
        if (yolo is ManifestMapping)
        {
            values.WrongType(yolo, "a size such as '640 480' or a list of integers");
        }

        values.Text(stage.Find("input_bin")?.Value);
        values.Text(stage.Find("input_file_type")?.Value);
        return new StageExtras(
            values.Boolean(stage.Find("keep_intermediate_outputs")?.Value, true),
            optimizations,
            values.Text(stage.Find("output_remote_url")?.Value)?.Value,
            values.Text(stage.Find("intermediate_outputs_remote_url")?.Value)?.Value,
            values.Text(stage.Find("put_file_plugin")?.Value)?.Value);
    }

    private OnnxOptimizations ReadOnnxOptimizations(ManifestNode? node)
    {
        switch (node)
        {
            case null:
                return OnnxOptimizations.All;
            case ManifestScalar { IsNull: true }:
                return OnnxOptimizations.None;
            case ManifestScalar { Text: "all" }:
                return OnnxOptimizations.All;
            case ManifestScalar { Text: "none" }:
                return OnnxOptimizations.None;
            case ManifestScalar scalar when ManifestValueReader.TryParseBoolean(scalar.Text, out var on):
                return on ? OnnxOptimizations.All : OnnxOptimizations.None;
            case ManifestMapping mapping:
                values.Open(mapping, ManifestSchema.OnnxOptimizations);
                return new OnnxOptimizations(
                    values.Boolean(mapping.Find("substitute_sub_with_add")?.Value, true),
                    values.Boolean(mapping.Find("substitute_div_with_mul")?.Value, true),
                    values.Boolean(mapping.Find("fuse_add_mul_to_bn")?.Value, true),
                    values.Boolean(mapping.Find("fuse_comb_add_mul_to_conv")?.Value, true),
                    values.Boolean(mapping.Find("fuse_single_add_mul_to_conv")?.Value, true),
                    values.Boolean(mapping.Find("fuse_split_concat_to_conv")?.Value, true));
            default:
                values.WrongType(node, "true, false, 'all', 'none' or a mapping of switches");
                return OnnxOptimizations.All;
        }
    }
}
