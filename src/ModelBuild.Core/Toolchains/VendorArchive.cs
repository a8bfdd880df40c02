using ModelBuild.Core.Manifest;
using ModelBuild.Core.NnArchives;
using ModelBuild.Imaging.Preprocessing;

namespace ModelBuild.Core.Toolchains;

/// <summary>Builds the NN Archive config of a vendor compile as ModelConverter does for its targets.</summary>
public static class VendorArchive
{
    /// <summary>
    /// The config for <paramref name="modelFileName"/>. When the compiled model holds the preprocessing
    /// (every vendor route except <c>openvino</c>), mean and scale are written as 0 and 1, as ModelConverter
    /// writes them; otherwise they are the manifest's values, for the app to apply.
    /// </summary>
    public static NnArchiveConfig Config(VendorCompileRequest request, VendorPrecisionSettings settings, string modelFileName)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        var target = request.Target.Name;
        var preprocessingInModel = target != "openvino";
        var inputs = request.Inputs.Select(VendorInput.From).Select(input =>
        {
            var shape = input.FixedShape(target);
            var layout = input.LayoutOrDefault(shape).ToUpperInvariant();
            var dtype = InputDType(request, input);
            var image = !input.IsRaw && layout.Contains('C', StringComparison.Ordinal);
            var encoding = preprocessingInModel ? input.Encoding.To : input.Encoding.From;
            var preprocessing = image
                ? new NnArchivePreprocessing(
                    input.Mean is null ? null : preprocessingInModel ? [.. input.Mean.Select(_ => 0.0)] : input.Mean,
                    input.Scale is null ? null : preprocessingInModel ? [.. input.Scale.Select(_ => 1.0)] : input.Scale,
                    encoding == ColorEncoding.Rgb,
                    layout == "NHWC",
                    ColorEncodingNames.NameOf(encoding) + (dtype == "float16" ? "F16F16F16" : "888") + (layout == "NHWC" ? "i" : "p"))
                : new NnArchivePreprocessing(null, null, null, null, null);
            return new NnArchiveInput(input.Name, dtype, image ? "image" : "raw", shape, layout, preprocessing);
        }).ToList();
        var outputs = request.Outputs.Select(o =>
        {
            var shape = o.Shape is { } s && s.All(d => d is > 0) ? s.Select(d => d!.Value).ToList() : null;
            return new NnArchiveOutput(
                o.Name,
                ArchiveDType(o.DataType),
                shape,
                shape is null ? null : LayoutLetters.DefaultFor([.. shape.Select(d => (long?)d)]));
        }).ToList();
        return new NnArchiveConfig(request.ModelName, modelFileName, settings.ArchivePrecision, inputs, outputs);
    }

    /// <summary>NN Archive spells fixed-point types as integers (ModelConverter's <c>as_nn_archive_dtype</c>).</summary>
    public static string ArchiveDType(TensorDataType type) => type.ToName() switch
    {
        var name when name.StartsWith("ufxp", StringComparison.Ordinal) => "uint" + name[4..],
        var name when name.StartsWith("fxp", StringComparison.Ordinal) => "int" + name[3..],
        var name => name,
    };

    /// <summary>RVC2/RVC3 blobs take what compile_tool's <c>-ip</c> says (U8 unless the manifest passes another); other targets the model's
    /// type.</summary>
    private static string InputDType(VendorCompileRequest request, VendorInput input)
    {
        var compileToolArgs = request.Target.Name switch
        {
            "rvc2" => request.Stage.Vendors.Rvc2.CompileToolArgs,
            "rvc3" => request.Stage.Vendors.Rvc3.CompileToolArgs,
            _ => null,
        };
        if (compileToolArgs is null)
        {
            return ArchiveDType(input.DataType);
        }

        var index = compileToolArgs.ToList().IndexOf("-ip");
        var precision = index >= 0 && index + 1 < compileToolArgs.Count ? compileToolArgs[index + 1].ToUpperInvariant() : "U8";
        return precision switch
        {
            "FP16" => "float16",
            "FP32" => "float32",
            "I8" => "int8",
            "I32" => "int32",
            _ => "uint8",
        };
    }
}
