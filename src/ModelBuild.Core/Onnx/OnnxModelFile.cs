using System.Globalization;
using System.Text;
using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// Reads and writes ONNX model files. A file that is not a model is a <see cref="DiagnosticException"/>
/// naming the file; writing is deterministic (the same model always gives the same bytes).
/// </summary>
public static class OnnxModelFile
{
    /// <summary>The most bytes one protobuf message, and so one ONNX file without external data, can hold.</summary>
    public const long MaxSerializedSize = int.MaxValue;

    // Read buffer for files: large enough to keep system calls few, small next to any model's weights.
    private const int FileBufferSize = 1 << 16;

    /// <summary>Reads the model at <paramref name="path"/>, streaming it so weights are copied only once.</summary>
    public static ModelProto Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiagnosticException(OnnxDiagnostics.CannotReadModel.Create(new SourceLocation(path), path, e.Message), e);
        }

        using (stream)
        {
            if (stream.Length > MaxSerializedSize)
            {
                throw new DiagnosticException(OnnxDiagnostics.ModelFileTooLarge.Create(
                    new SourceLocation(path), path, stream.Length.ToString("N0", CultureInfo.InvariantCulture)));
            }

            return Read(stream, path);
        }
    }

    /// <summary>Reads a model held in memory; <paramref name="displayPath"/> names it in diagnostics.</summary>
    public static ModelProto Read(ReadOnlySpan<byte> bytes, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(displayPath);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotAModel(displayPath, ModelFileFormat.Describe(bytes) ?? Undecodable(e), e);
        }

        var format = ModelFileFormat.Describe(bytes);
        return Checked(model, displayPath, () => format);
    }

    /// <summary>
    /// Reads a model from <paramref name="stream"/> (to its end); <paramref name="displayPath"/> names it
    /// in diagnostics. A seekable stream is also sniffed for well-known other formats when it is not a model.
    /// </summary>
    public static ModelProto Read(Stream stream, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(displayPath);
        var start = stream.CanSeek ? stream.Position : -1;
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotAModel(displayPath, Sniff(stream, start) ?? Undecodable(e), e);
        }
        catch (IOException e)
        {
            throw new DiagnosticException(OnnxDiagnostics.CannotReadModel.Create(new SourceLocation(displayPath), displayPath, e.Message), e);
        }

        return Checked(model, displayPath, () => Sniff(stream, start));
    }

    /// <summary>The serialized bytes of <paramref name="model"/>; <paramref name="displayName"/> names it in diagnostics.</summary>
    public static byte[] Write(ModelProto model, string? displayName = null)
    {
        EnsureWritable(model, displayName);
        return model.ToByteArray();
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/>; nothing is written when it is too large.</summary>
    public static void Write(ModelProto model, Stream stream, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureWritable(model, displayName);
        model.WriteTo(stream);
    }

    /// <summary>Why <paramref name="model"/> cannot be an ONNX model at all, or null when it has the essentials.</summary>
    internal static string? MissingEssentials(ModelProto model) =>
        model.Graph is null ? "it has no graph"
        : model.IrVersion <= 0 ? "it declares no IR version (ir_version)"
        : model.OpsetImport.Count == 0 ? "it imports no operator set (opset_import is empty)"
        : null;

    private static ModelProto Checked(ModelProto model, string displayPath, Func<string?> describeFormat)
    {
        if (model.CalculateSize() == 0)
        {
            throw NotAModel(displayPath, "the file is empty", null);
        }

        if (MissingEssentials(model) is { } reason)
        {
            throw NotAModel(displayPath, describeFormat() ?? reason, null);
        }

        return model;
    }

    private static void EnsureWritable(ModelProto model, string? displayName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var size = OnnxSerializedSize.Of(model);
        if (size > MaxSerializedSize)
        {
            var name = displayName ?? (string.IsNullOrEmpty(model.Graph?.Name) ? "model" : model.Graph.Name);
            throw new DiagnosticException(OnnxDiagnostics.ModelTooLargeToWrite.Create(
                null, name, size.ToString("N0", CultureInfo.InvariantCulture)));
        }
    }

    private static string Undecodable(InvalidProtocolBufferException e) =>
        // Protobuf reports truncation only in its message text; any other wording falls through to the general reason.
        e.Message.Contains("ended unexpectedly", StringComparison.Ordinal)
            ? "it ends in the middle of a protobuf field, so it is cut short or not protobuf at all"
            : "its bytes are not a protobuf message (" + e.Message.TrimEnd('.') + ")";

    private static DiagnosticException NotAModel(string displayPath, string reason, Exception? inner)
    {
        var diagnostic = OnnxDiagnostics.NotAnOnnxModel.Create(new SourceLocation(displayPath), displayPath, reason);
        return inner is null ? new DiagnosticException(diagnostic) : new DiagnosticException(diagnostic, inner);
    }

    private static string? Sniff(Stream stream, long start)
    {
        if (start < 0)
        {
            return null;
        }

        try
        {
            stream.Position = start;
            Span<byte> header = stackalloc byte[ModelFileFormat.HeaderLength];
            var length = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return ModelFileFormat.Describe(header[..length]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Recognizes files people mistake for ONNX models, to say what a rejected file is.</summary>
    private static class ModelFileFormat
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

            if (text.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
            {
                return "it looks like an HTML page (did a download return an error page?)";
            }

            return text.StartsWith('{') ? "it looks like a JSON document" : null;
        }
    }
}
