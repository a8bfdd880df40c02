using System.Globalization;
using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// ONNX external data: tensors whose bytes live in a separate file (<c>model.onnx_data</c>) named by
/// the tensor's <c>external_data</c> entries <c>location</c>, <c>offset</c> and <c>length</c>. This is
/// how models over the 2 GiB a protobuf file can hold are stored. <see cref="Load(ModelProto, ExternalDataSource, string)"/>
/// brings the bytes into the tensors; <see cref="Write"/> moves large tensors out again.
/// </summary>
public static class OnnxExternalData
{
    /// <summary>The suffix ModelBuild gives the data file written beside a model (<c>name.onnx_data</c>).</summary>
    public const string FileSuffix = ".onnx_data";

    /// <summary>Tensors at least this large go to the data file; smaller ones stay in the model.</summary>
    public const long DefaultThreshold = 1024;

    /// <summary>Tensors of at least this size start at a multiple of <see cref="LargeTensorAlignment"/>, so ONNX Runtime can map
    /// them.</summary>
    public const long AlignmentThreshold = 1 << 20;

    /// <summary>64 KiB: the allocation granularity of every OS ONNX Runtime maps files on.</summary>
    public const long LargeTensorAlignment = 1 << 16;

    // Zero runs at least this long are skipped with a seek, leaving a hole in file systems that have them.
    private const int SparseChunk = 1 << 16;

    private const string LocationKey = "location";
    private const string OffsetKey = "offset";
    private const string LengthKey = "length";

    /// <summary>Every tensor of the model that can hold data: initializers and tensor attributes, in subgraphs and functions too.</summary>
    public static IEnumerable<TensorProto> Tensors(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graphs = new List<GraphProto>();
        if (model.Graph is { } main)
        {
            graphs.Add(main);
        }

        foreach (var tensor in graphs.SelectMany(GraphTensors))
        {
            yield return tensor;
        }

        foreach (var function in model.Functions)
        {
            foreach (var tensor in function.Node.SelectMany(NodeTensors))
            {
                yield return tensor;
            }
        }
    }

    /// <summary>True when a tensor keeps its bytes outside the model.</summary>
    public static bool IsExternal(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External;
    }

    /// <summary>The distinct data files the model's tensors name, in ordinal order.</summary>
    public static IReadOnlyList<string> Locations(ModelProto model) =>
        [.. Tensors(model).Where(IsExternal).Select(t => Entry(t, LocationKey) ?? "").Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>True when a location is a plain relative path that stays inside the model's folder.</summary>
    public static bool IsSafeLocation(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.Length == 0 || Path.IsPathRooted(location) || location.Contains(':', StringComparison.Ordinal)
            || location.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var parts = location.Split('/', '\\');
        return parts.All(p => p.Length > 0 && p != "." && p != "..");
    }

    /// <summary>Loads the external data of every tensor from files in <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="DiagnosticException">MB4020–MB4024: a location outside the folder, a missing file, a range past its end, a wrong
    /// size, a tensor over 2 GiB.</exception>
    public static void Load(ModelProto model, string modelDirectory, string displayName)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        Load(model, new ExternalDataSource(location =>
        {
            var path = Path.Combine(modelDirectory, location);
            return File.Exists(path)
                ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess)
                : null;
        }), displayName);
    }

    /// <summary>
    /// Loads the external data of every tensor into <c>raw_data</c>, opening each data file through
    /// <paramref name="source"/> once; afterwards the model no longer needs its data files.
    /// </summary>
    /// <exception cref="DiagnosticException">MB4020–MB4024, as for <see cref="Load(ModelProto, string, string)"/>.</exception>
    public static void Load(ModelProto model, ExternalDataSource source, string displayName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(displayName);
        var external = Tensors(model).Where(IsExternal).ToList();
        if (external.Count == 0)
        {
            return;
        }

        var files = new Dictionary<string, Stream>(StringComparer.Ordinal);
        try
        {
            foreach (var tensor in external)
            {
                LoadTensor(tensor, files, source, displayName);
            }
        }
        finally
        {
            foreach (var stream in files.Values)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="modelStream"/> with every tensor of at least
    /// <paramref name="threshold"/> bytes moved to <paramref name="dataStream"/>, which the written model
    /// names as <paramref name="dataLocation"/>. The model itself is not changed. Large tensors are aligned
    /// to 64 KiB; runs of zeros in a seekable data stream are skipped, not written, so a file system with
    /// sparse files keeps them as holes. Deterministic: the same model gives the same two streams.
    /// </summary>
    /// <returns>The number of bytes written to the data stream.</returns>
    public static long Write(
        ModelProto model,
        Stream modelStream,
        Stream dataStream,
        string dataLocation,
        long threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modelStream);
        ArgumentNullException.ThrowIfNull(dataStream);
        if (!IsSafeLocation(dataLocation))
        {
            throw new ArgumentException($"'{dataLocation}' is not a relative file name.", nameof(dataLocation));
        }

        var copy = model.Clone();
        var writer = new DataWriter(dataStream);
        foreach (var tensor in Tensors(copy))
        {
            if (IsExternal(tensor))
            {
                throw new ArgumentException(
                    $"Tensor '{tensor.Name}' still keeps its data externally; load it before writing.",
                    nameof(model));
            }

            if (RawBytes(tensor) is not { } bytes || bytes.Length < threshold)
            {
                continue;
            }

            var offset = writer.Append(bytes.Span, bytes.Length >= AlignmentThreshold ? LargeTensorAlignment : 1);
            ClearData(tensor);
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = LocationKey, Value = dataLocation });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = OffsetKey, Value = offset.ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData
                .Add(new StringStringEntryProto { Key = LengthKey, Value = bytes.Length.ToString(CultureInfo.InvariantCulture) });
        }

        writer.Finish();
        OnnxModelFile.Write(copy, modelStream);
        return writer.Length;
    }

    /// <summary>
    /// Writes the model to <paramref name="modelPath"/> and its tensors of at least <paramref name="threshold"/>
    /// bytes to a data file beside it: <paramref name="dataFileName"/>, by default <c>&lt;model stem&gt;.onnx_data</c>.
    /// </summary>
    /// <returns>The data file's path.</returns>
    public static string WriteFiles(ModelProto model, string modelPath, string? dataFileName = null, long threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        var name = dataFileName ?? Path.GetFileNameWithoutExtension(modelPath) + FileSuffix;
        var dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, name);
        using var modelStream = new FileStream(modelPath, FileMode.Create, FileAccess.Write, FileShare.None);
        using var dataStream = new FileStream(dataPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        Write(model, modelStream, dataStream, name, threshold);
        return dataPath;
    }

    /// <summary>Renames the data file every external tensor names (the data itself is untouched).</summary>
    public static void Relocate(ModelProto model, string newLocation)
    {
        if (!IsSafeLocation(newLocation))
        {
            throw new ArgumentException($"'{newLocation}' is not a relative file name.", nameof(newLocation));
        }

        foreach (var entry in Tensors(model).Where(IsExternal).SelectMany(t => t.ExternalData).Where(e => e.Key == LocationKey))
        {
            entry.Value = newLocation;
        }
    }

    /// <summary>The number of bytes a tensor's data takes as <c>raw_data</c>, or null when unknown (strings, unknown types).</summary>
    public static long? DataSize(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var size = ElementSize(tensor.DataType);
        if (size == 0)
        {
            return null;
        }

        long count = 1;
        foreach (var dim in tensor.Dims)
        {
            count = checked(count * dim);
        }

        return count * size;
    }

    private static int ElementSize(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64
            or TensorProto.Types.DataType.Complex64 => 8,
        TensorProto.Types.DataType.Complex128 => 16,
        TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Float16
            or TensorProto.Types.DataType.Bfloat16 => 2,
        TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool
            or TensorProto.Types.DataType.Float8E4M3Fn or TensorProto.Types.DataType.Float8E4M3Fnuz
            or TensorProto.Types.DataType.Float8E5M2 or TensorProto.Types.DataType.Float8E5M2Fnuz => 1,
        _ => 0,
    };

    private static void LoadTensor(TensorProto tensor, Dictionary<string, Stream> files, ExternalDataSource source, string displayName)
    {
        var name = tensor.Name;
        var location = Entry(tensor, LocationKey) ?? "";
        if (!IsSafeLocation(location))
        {
            throw Error(OnnxDiagnostics.ExternalDataLocationInvalid, displayName, name, displayName, location);
        }

        if (!files.TryGetValue(location, out var stream))
        {
            stream = source.Open(location)
                ?? throw Error(OnnxDiagnostics.ExternalDataFileMissing, displayName, name, displayName, location);
            files[location] = stream;
        }

        var offset = ParseNumber(Entry(tensor, OffsetKey)) ?? 0;
        var expected = DataSize(tensor);
        var length = ParseNumber(Entry(tensor, LengthKey)) ?? expected ?? stream.Length - offset;
        if (offset < 0 || length < 0 || offset + length > stream.Length)
        {
            throw Error(
                OnnxDiagnostics.ExternalDataOutOfRange,
                displayName,
                name,
                displayName,
                offset,
                offset + length,
                location,
                stream.Length);
        }

        if (expected is { } size && size != length)
        {
            throw Error(OnnxDiagnostics.ExternalDataSizeMismatch, displayName, name, displayName, length, size);
        }

        if (length > Array.MaxLength)
        {
            throw Error(OnnxDiagnostics.TensorTooLarge, displayName, name, displayName, length);
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        stream.Position = offset;
        stream.ReadExactly(bytes);
        tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        tensor.ExternalData.Clear();
        tensor.ClearDataLocation();
    }

    /// <summary>The tensor's data as little-endian bytes, or null for data that has no fixed-size form (strings).</summary>
    private static ReadOnlyMemory<byte>? RawBytes(TensorProto tensor)
    {
        if (tensor.HasRawData)
        {
            return tensor.RawData.Memory;
        }

        if (ElementSize(tensor.DataType) == 0 || tensor.DataType == (int)TensorProto.Types.DataType.String)
        {
            return null;
        }

        // Typed fields (float_data, int32_data...) are rare for large tensors; convert only those big enough to move.
        var typedCount = tensor.FloatData.Count + tensor.Int32Data.Count + tensor.Int64Data.Count + tensor.DoubleData.Count
            + tensor.Uint64Data.Count;
        if (typedCount == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        try
        {
            return TensorProtoConversion.ToTensor(tensor).AsBytes().ToArray();
        }
        catch (DiagnosticException)
        {
            return null;
        }
    }

    private static void ClearData(TensorProto tensor)
    {
        tensor.ClearRawData();
        tensor.FloatData.Clear();
        tensor.Int32Data.Clear();
        tensor.Int64Data.Clear();
        tensor.DoubleData.Clear();
        tensor.Uint64Data.Clear();
    }

    private static string? Entry(TensorProto tensor, string key) => tensor.ExternalData.FirstOrDefault(e => e.Key == key)?.Value;

    private static long? ParseNumber(string? text) =>
        text is not null && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static DiagnosticException Error(DiagnosticDescriptor descriptor, string displayName, params object?[] args) =>
        new(descriptor.Create(new SourceLocation(displayName), args));

    private static IEnumerable<TensorProto> GraphTensors(GraphProto graph)
    {
        foreach (var tensor in graph.Initializer)
        {
            yield return tensor;
        }

        foreach (var sparse in graph.SparseInitializer)
        {
            if (sparse.Values is { } values)
            {
                yield return values;
            }

            if (sparse.Indices is { } indices)
            {
                yield return indices;
            }
        }

        foreach (var tensor in graph.Node.SelectMany(NodeTensors))
        {
            yield return tensor;
        }
    }

    private static IEnumerable<TensorProto> NodeTensors(NodeProto node)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.T is { } t)
            {
                yield return t;
            }

            foreach (var tensor in attribute.Tensors)
            {
                yield return tensor;
            }

            var subgraphs = attribute.G is { } g ? attribute.Graphs.Prepend(g) : attribute.Graphs;
            foreach (var tensor in subgraphs.SelectMany(GraphTensors))
            {
                yield return tensor;
            }
        }
    }

    /// <summary>Appends tensors to the data stream at aligned offsets, seeking over zeros where it can.</summary>
    private sealed class DataWriter(Stream stream)
    {
        private readonly long _start = stream.CanSeek ? stream.Position : 0;

        public long Length { get; private set; }

        public long Append(ReadOnlySpan<byte> bytes, long alignment)
        {
            var padding = (alignment - (Length % alignment)) % alignment;
            Skip(padding);
            var offset = Length;
            for (var start = 0; start < bytes.Length; start += SparseChunk)
            {
                var chunk = bytes.Slice(start, Math.Min(SparseChunk, bytes.Length - start));
                if (stream.CanSeek && chunk.Length == SparseChunk && !chunk.ContainsAnyExcept((byte)0))
                {
                    Skip(chunk.Length);
                }
                else
                {
                    stream.Write(chunk);
                    Length += chunk.Length;
                }
            }

            return offset;
        }

        /// <summary>Makes skipped zeros at the end part of the stream.</summary>
        public void Finish()
        {
            if (stream.CanSeek && stream.Length < _start + Length)
            {
                stream.SetLength(_start + Length);
            }
        }

        private void Skip(long count)
        {
            if (count == 0)
            {
                return;
            }

            if (stream.CanSeek)
            {
                stream.Seek(count, SeekOrigin.Current);
            }
            else
            {
                Span<byte> zeros = stackalloc byte[4096];
                zeros.Clear();
                for (var left = count; left > 0; left -= zeros.Length)
                {
                    stream.Write(zeros[..(int)Math.Min(left, zeros.Length)]);
                }
            }

            Length += count;
        }
    }
}

/// <summary>Opens an external data file by the location a tensor names; null when there is no such file.</summary>
public sealed class ExternalDataSource(Func<string, Stream?> open)
{
    /// <summary>A readable, seekable stream over the file, owned by the caller; or null.</summary>
    public Stream? Open(string location) => open(location);
}
