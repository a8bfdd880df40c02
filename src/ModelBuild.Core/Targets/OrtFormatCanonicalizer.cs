using System.Buffers.Binary;
using System.Text;

namespace ModelBuild.Core.Targets;

/// <summary>
/// Makes an ORT-format model (<c>.ort</c>, a FlatBuffer with file identifier <c>ORTM</c>) byte-reproducible.
/// ONNX Runtime writes the model itself deterministically, but its <c>kernel_type_str_resolver</c> table comes
/// from hash maps whose iteration order depends on where the library was loaded, so two processes write the
/// same content in different orders. The buffer is built back to front, so that table, the root table and
/// whatever was written after the model lie in front of the model's bytes. This class keeps the model's bytes
/// as they are and writes a new front: the root table, the version string and the resolver with its entries
/// sorted by operator id and kernel type string (their <c>(key)</c> order in ORT's schema).
/// </summary>
/// <remarks>Field numbers and types follow ONNX Runtime's <c>ort.fbs</c> schema.</remarks>
internal static class OrtFormatCanonicalizer
{
    // InferenceSession fields (the root table of ort.fbs).
    private const int OrtVersionField = 0;
    private const int ModelField = 1;
    private const int ResolverField = 3;

    // The model's bytes keep their position modulo this, so every alignment inside them still holds.
    private const int TailAlignment = 64;

    /// <summary>The canonical form of <paramref name="ort"/>; the same content always gives the same bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an ORT-format model laid out as ONNX Runtime writes them.</exception>
    public static byte[] Canonicalize(byte[] ort)
    {
        ArgumentNullException.ThrowIfNull(ort);
        var reader = new Reader(ort);
        if (ort.Length < 8 || !ort.AsSpan(4, 4).SequenceEqual("ORTM"u8))
        {
            throw new InvalidDataException("Not an ORT-format model: the file identifier is not ORTM.");
        }

        var root = reader.Offset(0);
        var model = reader.Field(root, ModelField) is { } modelField
            ? reader.Offset(modelField)
            : throw new InvalidDataException("The ORT-format model has no model table.");
        var version = reader.Field(root, OrtVersionField) is { } versionField ? reader.String(reader.Offset(versionField)) : null;
        var entries = reader.Field(root, ResolverField) is { } resolverField ? ReadResolver(reader, reader.Offset(resolverField)) : null;

        // The model table's own vtable is written just before it; everything from there on stays as it is.
        var modelVtable = model - BinaryPrimitives.ReadInt32LittleEndian(ort.AsSpan(model));
        var tail = Math.Min(model, modelVtable);
        if (root >= tail || tail <= 8)
        {
            throw new InvalidDataException(
                "The ORT-format model is not laid out as ONNX Runtime writes it (the root table follows the model).");
        }

        var writer = new Writer();
        writer.Bytes(ort.AsSpan(0, 8));
        var rootAt = writer.Table([(OrtVersionField, 4), (ModelField, 4), (ResolverField, 4)]);
        var versionAt = version is null ? -1 : writer.String(version);
        var resolverAt = entries is null ? -1 : WriteResolver(writer, entries);

        // Pad so the model's bytes keep their alignment, then copy them unchanged.
        writer.Pad((int)(((tail - writer.Position) % TailAlignment) + TailAlignment) % TailAlignment);
        var tailAt = writer.Position;
        writer.Bytes(ort.AsSpan(tail));

        writer.PatchOffset(0, rootAt);
        writer.PatchField(rootAt, OrtVersionField, versionAt);
        writer.PatchField(rootAt, ModelField, tailAt + (model - tail));
        writer.PatchField(rootAt, ResolverField, resolverAt);
        return writer.ToArray();
    }

    /// <summary>The kernel type table of an ORT-format model as <c>op id / kernel type string / arg</c> lines, sorted (for
    /// checks).</summary>
    internal static IReadOnlyList<string> ResolverEntries(byte[] ort)
    {
        var reader = new Reader(ort);
        var root = reader.Offset(0);
        var entries = reader.Field(root, ResolverField) is { } field ? ReadResolver(reader, reader.Offset(field)) : [];
        return [.. entries.SelectMany(e => e.Kernels.SelectMany(k => k.Args.Select(a => $"{e.OpId} / {k.TypeString} / {a.Type}:{a.Index}")))
            .Order(StringComparer.Ordinal)];
    }

    private static List<OpEntry> ReadResolver(Reader reader, int resolver)
    {
        var entries = new List<OpEntry>();
        foreach (var entry in reader.Field(resolver, 0) is { } field ? reader.Tables(reader.Offset(field)) : [])
        {
            var opId = reader.Field(entry, 0) is { } id ? reader.String(reader.Offset(id)) : "";
            var kernels = new List<KernelEntry>();
            foreach (var kernel in reader.Field(entry, 1) is { } list ? reader.Tables(reader.Offset(list)) : [])
            {
                var typeString = reader.Field(kernel, 0) is { } text ? reader.String(reader.Offset(text)) : "";
                var args = new List<(sbyte Type, uint Index)>();
                foreach (var arg in reader.Field(kernel, 1) is { } argList ? reader.Tables(reader.Offset(argList)) : [])
                {
                    var type = reader.Field(arg, 0) is { } t ? (sbyte)reader.Bytes[t] : (sbyte)0;
                    var index = reader.Field(arg, 1) is { } i ? BinaryPrimitives.ReadUInt32LittleEndian(reader.Bytes.AsSpan(i)) : 0u;
                    args.Add((type, index));
                }

                kernels.Add(new KernelEntry(typeString, args));
            }

            entries.Add(new OpEntry(opId, [.. kernels.OrderBy(k => k.TypeString, StringComparer.Ordinal)]));
        }

        return [.. entries.OrderBy(e => e.OpId, StringComparer.Ordinal)];
    }

    /// <summary>Writes the resolver parent first (every uoffset points forward), its entries in sorted order.</summary>
    private static int WriteResolver(Writer writer, List<OpEntry> entries)
    {
        Span<byte> index = stackalloc byte[4];
        var resolver = writer.Table([(0, 4)]);
        var vector = writer.Vector(entries.Count);
        writer.PatchField(resolver, 0, vector);
        for (var e = 0; e < entries.Count; e++)
        {
            var entry = writer.Table([(0, 4), (1, 4)]);
            writer.PatchOffset(vector + 4 + (4 * e), entry);
            writer.PatchField(entry, 0, writer.String(entries[e].OpId));
            var kernels = writer.Vector(entries[e].Kernels.Count);
            writer.PatchField(entry, 1, kernels);
            for (var k = 0; k < entries[e].Kernels.Count; k++)
            {
                var kernelEntry = entries[e].Kernels[k];
                var kernel = writer.Table([(0, 4), (1, 4)]);
                writer.PatchOffset(kernels + 4 + (4 * k), kernel);
                writer.PatchField(kernel, 0, writer.String(kernelEntry.TypeString));
                var args = writer.Vector(kernelEntry.Args.Count);
                writer.PatchField(kernel, 1, args);
                for (var a = 0; a < kernelEntry.Args.Count; a++)
                {
                    var arg = writer.Table([(1, 4), (0, 1)]);
                    writer.PatchOffset(args + 4 + (4 * a), arg);
                    BinaryPrimitives.WriteUInt32LittleEndian(index, kernelEntry.Args[a].Index);
                    writer.PatchScalar(arg, 1, index);
                    writer.PatchScalar(arg, 0, [(byte)kernelEntry.Args[a].Type]);
                }
            }
        }

        return resolver;
    }

    private sealed record OpEntry(string OpId, List<KernelEntry> Kernels);

    private sealed record KernelEntry(string TypeString, List<(sbyte Type, uint Index)> Args);

    /// <summary>Reads FlatBuffer tables, vectors and strings by position.</summary>
    private sealed class Reader(byte[] bytes)
    {
        public byte[] Bytes => bytes;

        /// <summary>The position a uoffset at <paramref name="at"/> points to.</summary>
        public int Offset(int at) => Check(at + (int)BinaryPrimitives.ReadUInt32LittleEndian(Span(at, 4)));

        /// <summary>The position of field <paramref name="field"/> of the table at <paramref name="table"/>, or null when absent.</summary>
        public int? Field(int table, int field)
        {
            var vtable = Check(table - BinaryPrimitives.ReadInt32LittleEndian(Span(table, 4)));
            var vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(Span(vtable, 2));
            var slot = 4 + (2 * field);
            if (slot + 2 > vtableSize)
            {
                return null;
            }

            var offset = BinaryPrimitives.ReadUInt16LittleEndian(Span(vtable + slot, 2));
            return offset == 0 ? null : Check(table + offset);
        }

        public IEnumerable<int> Tables(int vector)
        {
            var count = BinaryPrimitives.ReadUInt32LittleEndian(Span(vector, 4));
            for (var i = 0; i < count; i++)
            {
                yield return Offset(vector + 4 + (4 * i));
            }
        }

        public string String(int at)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(Span(at, 4));
            return Encoding.UTF8.GetString(Span(at + 4, length));
        }

        private ReadOnlySpan<byte> Span(int at, int length) =>
            at >= 0 && length >= 0 && at <= bytes.Length - length
                ? bytes.AsSpan(at, length)
                : throw new InvalidDataException("The ORT-format model is cut short or malformed.");

        private int Check(int at)
            => at >= 0 && at < bytes.Length ? at : throw new InvalidDataException("The ORT-format model points outside itself.");
    }

    /// <summary>Lays FlatBuffer objects out front to back, each table after its own vtable, children after parents.</summary>
    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];
        private readonly Dictionary<int, (int Vtable, Dictionary<int, int> Fields)> _tables = [];

        public int Position => _bytes.Count;

        public void Bytes(ReadOnlySpan<byte> bytes) => _bytes.AddRange(bytes.ToArray());

        public void Pad(int count) => _bytes.AddRange(new byte[count]);

        /// <summary>
        /// A table whose fields (numbered as in the schema, with their sizes) are filled in later; returns its position.
        /// Fields are laid out in the order given, each aligned to its size.
        /// </summary>
        public int Table((int Field, int Size)[] fields)
        {
            var slots = fields.Max(f => f.Field) + 1;
            var layout = new int[slots];
            var size = 4;
            foreach (var (field, fieldSize) in fields)
            {
                size = Align(size, fieldSize);
                layout[field] = size;
                size += fieldSize;
            }

            size = Align(size, 4);
            Align2();
            var vtable = Position;
            Write16((ushort)(4 + (2 * slots)));
            Write16((ushort)size);
            foreach (var offset in layout)
            {
                Write16((ushort)offset);
            }

            AlignTo(4);
            var table = Position;
            Write32(table - vtable);
            Pad(size - 4);

            _tables[table] = (vtable, fields.ToDictionary(f => f.Field, f => table + layout[f.Field]));
            return table;
        }

        public int Vector(int count)
        {
            AlignTo(4);
            var at = Position;
            Write32(count);
            Pad(4 * count);
            return at;
        }

        public int String(string text)
        {
            AlignTo(4);
            var at = Position;
            var utf8 = Encoding.UTF8.GetBytes(text);
            Write32(utf8.Length);
            _bytes.AddRange(utf8);
            _bytes.Add(0);
            return at;
        }

        /// <summary>Points field <paramref name="field"/> of a table at <paramref name="target"/>; -1 makes the field absent.</summary>
        public void PatchField(int table, int field, int target)
        {
            var (vtable, fields) = _tables[table];
            if (target < 0)
            {
                SetUInt16(vtable + 4 + (2 * field), 0);
                return;
            }

            PatchOffset(fields[field], target);
        }

        public void PatchScalar(int table, int field, ReadOnlySpan<byte> value)
        {
            var at = _tables[table].Fields[field];
            for (var i = 0; i < value.Length; i++)
            {
                _bytes[at + i] = value[i];
            }
        }

        /// <summary>Writes at <paramref name="at"/> a uoffset to <paramref name="target"/>, which must lie after it.</summary>
        public void PatchOffset(int at, int target)
        {
            if (target <= at)
            {
                throw new InvalidOperationException("A FlatBuffer offset must point forward.");
            }

            Span<byte> value = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)(target - at));
            for (var i = 0; i < 4; i++)
            {
                _bytes[at + i] = value[i];
            }
        }

        public byte[] ToArray() => [.. _bytes];

        private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

        private void Align2() => AlignTo(2);

        private void AlignTo(int alignment) => Pad(Align(Position, alignment) - Position);

        private void Write16(ushort value)
        {
            _bytes.Add((byte)value);
            _bytes.Add((byte)(value >> 8));
        }

        private void Write32(int value)
        {
            for (var shift = 0; shift < 32; shift += 8)
            {
                _bytes.Add((byte)(value >> shift));
            }
        }

        private void SetUInt16(int at, ushort value)
        {
            _bytes[at] = (byte)value;
            _bytes[at + 1] = (byte)(value >> 8);
        }
    }
}
