using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ModelBuild.Tensors;

/// <summary>
/// Reads and writes numpy's <c>.npy</c> format (versions 1.0, 2.0 and 3.0; C order only).
/// Files written here are byte-identical to what <c>numpy.save</c> writes for the same array.
/// Strings are numpy unicode (<c>&lt;U</c>n, UTF-32); byte strings (<c>|S</c>n, read as UTF-8) are read too.
/// bfloat16, which numpy lacks, is written with the descr <c>bfloat16</c> that ml_dtypes-aware readers accept.
/// </summary>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy pads the header so data starts on a 64-byte boundary, and leaves room to grow the first axis.
    private const int HeaderAlignment = 64;
    private const int GrowthAxisMaxDigits = 21;
    private const int MaxHeaderLength = 1 << 20;

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="InvalidNpyException">MB5030–MB5036: not .npy, unsupported version, order or dtype, malformed or
    /// truncated.</exception>
    public static Tensor Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads one array from a stream positioned at the start of .npy data.</summary>
    /// <exception cref="InvalidNpyException">MB5030–MB5036: not .npy, unsupported version, order or dtype, malformed or
    /// truncated.</exception>
    public static Tensor Read(Stream stream) => Read(stream, "The stream");

    /// <summary>Writes a tensor as a .npy file (format 1.0 unless the header needs 2.0).</summary>
    public static void Write(string path, Tensor tensor)
    {
        using var stream = File.Create(path);
        Write(stream, tensor);
    }

    /// <summary>Writes a tensor in .npy format (format 1.0 unless the header needs 2.0).</summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Dimensions;
        var strings = tensor.ElementType == TensorElementType.String ? tensor.RawStrings : null;
        var codePoints = strings is null ? 0 : Math.Max(1, strings.Select(CodePointCount).DefaultIfEmpty(0).Max());
        var descr = strings is null ? Descr(tensor.ElementType) : "<U" + codePoints.ToString(CultureInfo.InvariantCulture);

        var header = new StringBuilder();
        header.Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': ").Append(PythonTuple(shape)).Append(", }");
        if (shape.Length > 0)
        {
            header.Append(' ', GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length);
        }

        stream.Write(WrapHeader(header.ToString()));
        if (strings is null)
        {
            stream.Write(tensor.RawBytes);
            return;
        }

        var element = new byte[codePoints * 4];
        foreach (var text in strings)
        {
            Array.Clear(element);
            Encoding.UTF32.GetBytes(text, element);
            stream.Write(element);
        }
    }

    private static Tensor Read(Stream stream, string what)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        if (ReadFully(stream, prefix) < 8 || !prefix[..6].SequenceEqual(Magic))
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyBadMagic(what));
        }

        int major = prefix[6], minor = prefix[7];
        if (minor != 0 || major is < 1 or > 3)
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyUnsupportedVersion(major, minor));
        }

        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        if (ReadFully(stream, lengthBytes) < lengthBytes.Length)
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyMalformedHeader("the file ends inside the header length."));
        }

        var headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyMalformedHeader($"a header of {headerLength} bytes is implausibly long."));
        }

        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerBytes.Length)
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyMalformedHeader("the file ends inside the header."));
        }

        var headerText = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var header = NpyHeader.Parse(headerText);
        if (header.FortranOrder)
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyFortranOrder(Tensor.FormatShape(header.Shape)));
        }

        var dtype = NpyDtype.Parse(header.Descr);
        long count = 1;
        foreach (var dim in header.Shape)
        {
            count = checked(count * dim);
        }

        var data = new byte[checked(count * dtype.ItemSize)];
        var read = ReadFully(stream, data);
        if (read < data.Length)
        {
            throw new InvalidNpyException(RuntimeDiagnostics.NpyTruncated(data.LongLength, read));
        }

        return dtype.Kind switch
        {
            'U' => Tensor.Create(DecodeUnicode(data, count, dtype), header.Shape),
            'S' => Tensor.Create(DecodeBytes(data, count, dtype), header.Shape),
            _ => Tensor.FromBytes(dtype.ElementType, dtype.BigEndian ? SwapBytes(data, dtype.ItemSize) : data, header.Shape),
        };
    }

    private static string Descr(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "|b1",
        TensorElementType.Int8 => "|i1",
        TensorElementType.UInt8 => "|u1",
        TensorElementType.Int16 => "<i2",
        TensorElementType.UInt16 => "<u2",
        TensorElementType.Int32 => "<i4",
        TensorElementType.UInt32 => "<u4",
        TensorElementType.Int64 => "<i8",
        TensorElementType.UInt64 => "<u8",
        TensorElementType.Float16 => "<f2",
        TensorElementType.Float => "<f4",
        TensorElementType.Double => "<f8",
        TensorElementType.BFloat16 => "bfloat16",
        _ => throw new CodedArgumentException(RuntimeDiagnostics.UnsupportedElementType("The tensor", (int)type), nameof(type)),
    };

    /// <summary>Python's repr of a tuple of ints: <c>()</c>, <c>(5,)</c>, <c>(2, 3)</c>.</summary>
    private static string PythonTuple(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 1)
        {
            return "(" + shape[0].ToString(CultureInfo.InvariantCulture) + ",)";
        }

        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "(" + string.Join(", ", parts) + ")";
    }

    /// <summary>Magic, version, header length, header, space padding and a newline, as numpy lays them out.</summary>
    private static byte[] WrapHeader(string header)
    {
        var text = Encoding.Latin1.GetBytes(header);
        foreach (var (major, lengthSize) in new[] { (1, 2), (2, 4) })
        {
            var withNewline = text.Length + 1;
            var padding = HeaderAlignment - ((Magic.Length + 2 + lengthSize + withNewline) % HeaderAlignment);
            var total = withNewline + padding;
            if (major == 1 && total > ushort.MaxValue)
            {
                continue;
            }

            var result = new byte[Magic.Length + 2 + lengthSize + total];
            Magic.CopyTo(result, 0);
            result[6] = (byte)major;
            result[7] = 0;
            if (lengthSize == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)total);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)total);
            }

            var headerStart = Magic.Length + 2 + lengthSize;
            text.CopyTo(result, headerStart);
            result.AsSpan(headerStart + text.Length, padding).Fill((byte)' ');
            result[^1] = (byte)'\n';
            return result;
        }

        throw new InvalidOperationException("A .npy header larger than 4 GiB cannot be written.");
    }

    private static int CodePointCount(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string[] DecodeUnicode(byte[] data, long count, NpyDtype dtype)
    {
        var strings = new string[count];
        var builder = new StringBuilder();
        for (long i = 0; i < count; i++)
        {
            builder.Clear();
            var element = data.AsSpan((int)(i * dtype.ItemSize), dtype.ItemSize);
            for (var c = 0; c < element.Length; c += 4)
            {
                var unit = dtype.BigEndian
                    ? BinaryPrimitives.ReadUInt32BigEndian(element[c..])
                    : BinaryPrimitives.ReadUInt32LittleEndian(element[c..]);
                if (unit == 0)
                {
                    // numpy pads with NUL code points and strips them when reading.
                    var rest = element[c..];
                    if (rest.IndexOfAnyExcept((byte)0) < 0)
                    {
                        break;
                    }
                }

                if (!Rune.IsValid(unit))
                {
                    throw new InvalidNpyException(RuntimeDiagnostics.NpyInvalidText(i));
                }

                builder.Append(new Rune(unit).ToString());
            }

            strings[i] = builder.ToString();
        }

        return strings;
    }

    private static string[] DecodeBytes(byte[] data, long count, NpyDtype dtype)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var strings = new string[count];
        for (long i = 0; i < count; i++)
        {
            var element = data.AsSpan((int)(i * dtype.ItemSize), dtype.ItemSize);
            var end = element.LastIndexOfAnyExcept((byte)0) + 1;
            try
            {
                strings[i] = strict.GetString(element[..end]);
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidNpyException(RuntimeDiagnostics.NpyInvalidText(i));
            }
        }

        return strings;
    }

    private static byte[] SwapBytes(byte[] data, int itemSize)
    {
        for (var i = 0; i < data.Length; i += itemSize)
        {
            data.AsSpan(i, itemSize).Reverse();
        }

        return data;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
