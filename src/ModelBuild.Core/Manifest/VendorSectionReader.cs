namespace ModelBuild.Core.Manifest;

/// <summary>
/// Reads the vendor sections (<c>hailo</c>, <c>rvc2</c>, <c>rvc3</c>, <c>rvc4</c>): key names, value types
/// and ModelConverter's value sets are checked; nothing is applied here.
/// </summary>
internal sealed class VendorSectionReader(ManifestValueReader values)
{
    /// <summary>The vendor sections of <paramref name="stage"/>, with ModelConverter's defaults for those not set.</summary>
    public VendorOptions Read(ManifestMapping stage)
    {
        var hailo = ReadHailo(values.Mapping(stage.Find("hailo")?.Value));
        var rvc2 = ReadRvc2(values.Mapping(stage.Find("rvc2")?.Value));
        var rvc3 = ReadRvc3(values.Mapping(stage.Find("rvc3")?.Value));
        var rvc4 = ReadRvc4(values.Mapping(stage.Find("rvc4")?.Value));

        // ModelConverter copies a stage-level disable_calibration into every target section.
        if (stage.Find("disable_calibration") is { } disable)
        {
            var off = values.Boolean(disable.Value, false);
            hailo = hailo with { DisableCalibration = off };
            rvc2 = rvc2 with { DisableCalibration = off };
            rvc3 = rvc3 with { DisableCalibration = off };
            rvc4 = rvc4 with { DisableCalibration = off };
        }

        return new VendorOptions(hailo, rvc2, rvc3, rvc4);
    }

    private HailoOptions ReadHailo(ManifestMapping? section)
    {
        if (section is null)
        {
            return new HailoOptions();
        }

        values.Open(section, ManifestSchema.Hailo);
        return new HailoOptions(
            values.Boolean(section.Find("disable_calibration")?.Value, false),
            values.Boolean(section.Find("force_onnx_names")?.Value, true),
            values.IntegerChoice(section.Find("optimization_level")?.Value, 2, [-100, 0, 1, 2, 3, 4]),
            values.IntegerChoice(section.Find("compression_level")?.Value, 2, [0, 1, 2, 3, 4, 5]),
            values.Int32(section.Find("batch_size")?.Value, 8),
            values.Boolean(section.Find("disable_compilation")?.Value, false),
            values.TextList(section.Find("alls")?.Value),
            values.Choice(section.Find("hw_arch")?.Value, ManifestSchema.HailoArchitectures)?.Value ?? "hailo8");
    }

    private Rvc2Options ReadRvc2(ManifestMapping? section)
    {
        if (section is null)
        {
            return new Rvc2Options();
        }

        values.Open(section, ManifestSchema.Rvc2);
        return new Rvc2Options(
            values.Boolean(section.Find("disable_calibration")?.Value, false),
            values.TextList(section.Find("mo_args")?.Value),
            values.TextList(section.Find("compile_tool_args")?.Value),
            values.Boolean(section.Find("compress_to_fp16")?.Value, true),
            values.Int32(section.Find("number_of_shaves")?.Value, 8),
            values.Boolean(section.Find("superblob")?.Value, true),
            (int?)values.Integer(section.Find("n_workers")?.Value, "a positive integer", v => v is > 0 and <= int.MaxValue));
    }

    private Rvc3Options ReadRvc3(ManifestMapping? section)
    {
        if (section is null)
        {
            return new Rvc3Options();
        }

        values.Open(section, ManifestSchema.Rvc3);
        return new Rvc3Options(
            values.Boolean(section.Find("disable_calibration")?.Value, false),
            values.TextList(section.Find("mo_args")?.Value),
            values.TextList(section.Find("compile_tool_args")?.Value),
            values.Boolean(section.Find("compress_to_fp16")?.Value, true),
            values.Choice(section.Find("pot_target_device")?.Value, ManifestSchema.PotDevices)?.Value ?? "VPU");
    }

    private Rvc4Options ReadRvc4(ManifestMapping? section)
    {
        if (section is null)
        {
            return new Rvc4Options();
        }

        values.Open(section, ManifestSchema.Rvc4);
        List<string>? socs = null;
        if (values.Sequence(section.Find("htp_socs")?.Value, "a list of SoC names") is { } sequence)
        {
            socs = [.. sequence.Items.Select(item => values.Choice(item, ManifestSchema.HtpSocs)?.Value).OfType<string>()];
        }

        var encodings = section.Find("encodings")?.Value;
        if (encodings is ManifestSequence)
        {
            values.WrongType(encodings, "a mapping, a JSON text or a file path");
        }

        return new Rvc4Options(
            values.Boolean(section.Find("disable_calibration")?.Value, false),
            values.TextList(section.Find("snpe_onnx_to_dlc_args")?.Value),
            values.TextList(section.Find("snpe_dlc_quant_args")?.Value),
            values.TextList(section.Find("snpe_dlc_graph_prepare_args")?.Value),
            values.Boolean(section.Find("keep_raw_images")?.Value, false),
            values.Boolean(section.Find("use_per_channel_quantization")?.Value, true),
            values.Boolean(section.Find("use_per_row_quantization")?.Value, false),
            values.IntegerChoice(section.Find("optimization_level")?.Value, 2, [1, 2, 3]),
            values.Choice(section.Find("quantization_mode")?.Value, ManifestSchema.QuantizationModes)?.Value ?? "INT8_STANDARD",
            socs,
            ManifestValueReader.IsMissing(encodings) || encodings is ManifestSequence ? null : encodings);
    }
}
