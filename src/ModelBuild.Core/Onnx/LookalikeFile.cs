using System.Text;

namespace ModelBuild.Core.Onnx;

/// <summary>Recognizes files people mistake for ONNX models, to say what a rejected file is.</summary>
internal static class LookalikeFile
{
    public const int HeaderLength = 32;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G'];

    private static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> GzipSignature => [0x1F, 0x8B];

    public static string? Describe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(PngSignature))
        {
            return "it looks like a PNG image";
        }

        if (bytes.StartsWith(JpegSignature))
        {
            return "it looks like a JPEG image";
        }

        if (bytes.StartsWith("PK\x03\x04"u8))
        {
            return "it looks like a ZIP archive (a PyTorch checkpoint is one; export the model to ONNX first)";
        }

        if (bytes.StartsWith(GzipSignature))
        {
            return "it looks like a gzip-compressed file";
        }

        if (bytes.StartsWith("version https://git-lfs"u8))
        {
            return "it is a Git LFS pointer, not the model's content";
        }

        if (bytes.Length >= 8 && bytes[4..8].SequenceEqual("ORTM"u8))
        {
            return "it looks like an ONNX Runtime format (.ort) model";
        }

        if (bytes.Length >= 8 && bytes[4..8].SequenceEqual("TFL3"u8))
        {
            return "it looks like a TensorFlow Lite model";
        }

        var text = Encoding.ASCII.GetString(bytes).TrimStart();
        if (text.StartsWith("<?xml", StringComparison.Ordinal))
        {
            return "it looks like an XML file (an OpenVINO model is an .xml and a .bin file)";
        }

        if (text.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            return "it looks like an HTML page (did a download return an error page?)";
        }

        return text.StartsWith('{') ? "it looks like a JSON document" : null;
    }
}
