using System.Globalization;
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

    private const string EmptyFile = "the file is empty";

    /// <summary>
    /// Reads the model at <paramref name="path"/>. The file is streamed, not loaded whole first:
    /// memory holds the model plus, briefly, protobuf's read chunks of the tensor being parsed.
    /// </summary>
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
            var reason = e switch
            {
                FileNotFoundException => "the file does not exist.",
                DirectoryNotFoundException => "its folder does not exist.",
                UnauthorizedAccessException => "access to it is denied.",
                _ => e.Message,
            };
            throw new DiagnosticException(OnnxDiagnostics.CannotReadModel.Create(new SourceLocation(path), path, reason), e);
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

    /// <summary>
    /// Reads the model at <paramref name="path"/> and the external data files its tensors name (found
    /// beside it), so the result holds every weight; models over 2 GiB are read this way.
    /// </summary>
    public static ModelProto ReadWithExternalData(string path)
    {
        var model = Read(path);
        OnnxExternalData.Load(model, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
        return model;
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
            throw NotAModel(displayPath, LookalikeFile.Describe(bytes) ?? Undecodable(e), e);
        }

        if (MissingEssentials(model) is { } reason)
        {
            throw NotAModel(displayPath, IsEmpty(model) ? EmptyFile : LookalikeFile.Describe(bytes) ?? reason, null);
        }

        return model;
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
            throw new DiagnosticException(
                OnnxDiagnostics.CannotReadModel.Create(new SourceLocation(displayPath), displayPath, e.Message),
                e);
        }

        if (MissingEssentials(model) is { } reason)
        {
            throw NotAModel(displayPath, IsEmpty(model) ? EmptyFile : Sniff(stream, start) ?? reason, null);
        }

        return model;
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

    // Only an empty input parses into a message of no fields, unknown ones included.
    private static bool IsEmpty(ModelProto model) => model.CalculateSize() == 0;

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
            Span<byte> header = stackalloc byte[LookalikeFile.HeaderLength];
            var length = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return LookalikeFile.Describe(header[..length]);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
