using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// Converts between ONNX <see cref="TensorProto"/> (initializers, test data, Constant values) and
/// <see cref="Tensor"/>. Reads <c>raw_data</c> and every typed field ONNX defines for the supported
/// element types: float16 and bfloat16 travel as bit patterns in <c>int32_data</c>, bool and the small
/// integers in <c>int32_data</c>, uint32 and uint64 in <c>uint64_data</c>, strings in <c>string_data</c>.
/// </summary>
public static class TensorProtoConversion
{
    private static readonly DiagnosticDescriptor UnsupportedDataType = new(
        "MB5040", DiagnosticSeverity.Error,
        "Tensor '{0}' has ONNX data type {1}, which cannot be converted (complex, float8 and 4-bit types are not supported).");

    private static readonly DiagnosticDescriptor ElementCountMismatch = new(
        "MB5041", DiagnosticSeverity.Error,
        "Tensor '{0}' has {1} values in {2}, but its dims {3} need {4}.");

    private static readonly DiagnosticDescriptor ExternalDataNotLoaded = new(
        "MB5042", DiagnosticSeverity.Error,
        "Tensor '{0}' keeps its data in an external file ({1}); load the external data into the tensor before converting it.");

    private static readonly DiagnosticDescriptor SegmentedTensor = new(
        "MB5043", DiagnosticSeverity.Error,
        "Tensor '{0}' is one segment of a larger tensor; segmented tensors are not supported.");

    private static readonly DiagnosticDescriptor NegativeDimension = new(
        "MB5044", DiagnosticSeverity.Error,
        "Tensor '{0}' has a negative dimension in {1}.");

    /// <summary>Reads a tensor proto into a tensor that owns a copy of the data.</summary>
    /// <exception cref="DiagnosticException">MB5040–MB5044: unsupported data type, wrong value count, external or segmented data, negative
    /// dimension.</exception>
    public static Tensor ToTensor(TensorProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var name = proto.HasName ? proto.Name : "(unnamed)";
        var dims = proto.Dims.ToArray();
        long count = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
            {
                throw Error(NegativeDimension, name, FormatDims(dims));
            }

            count *= dim;
        }

        if (proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            var location = proto.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "no location";
            throw Error(ExternalDataNotLoaded, name, location);
        }

        if (proto.Segment is not null)
        {
            throw Error(SegmentedTensor, name);
        }

        var type = OnnxElementType.FromProto(proto.DataType);
        if (type == TensorElementType.String)
        {
            CheckCount(name, proto.StringData.Count, "string_data", dims, count);
            var strings = proto.StringData.Select(s => Encoding.UTF8.GetString(s.Span)).ToArray();
            return Tensor.Create(strings, dims);
        }

        var size = ElementSize(type);
        if (size == 0)
        {
            throw Error(UnsupportedDataType, name, proto.DataType);
        }

        if (proto.HasRawData)
        {
            var raw = proto.RawData.Span;
            if (raw.Length != count * size)
            {
                CheckCount(name, raw.Length / size, "raw_data", dims, count);
                CheckCount(name, raw.Length, "raw_data bytes", dims, count * size);
            }

            return Tensor.FromBytes(type, raw, dims);
        }

        var bytes = new byte[count * size];
        switch (type)
        {
            case TensorElementType.Float:
                CheckCount(name, proto.FloatData.Count, "float_data", dims, count);
                Fill(bytes, proto.FloatData);
                break;
            case TensorElementType.Double:
                CheckCount(name, proto.DoubleData.Count, "double_data", dims, count);
                Fill(bytes, proto.DoubleData);
                break;
            case TensorElementType.Int64:
                CheckCount(name, proto.Int64Data.Count, "int64_data", dims, count);
                Fill(bytes, proto.Int64Data);
                break;
            case TensorElementType.UInt64:
                CheckCount(name, proto.Uint64Data.Count, "uint64_data", dims, count);
                Fill(bytes, proto.Uint64Data);
                break;
            case TensorElementType.UInt32:
                CheckCount(name, proto.Uint64Data.Count, "uint64_data", dims, count);
                Fill(bytes, proto.Uint64Data.Select(v => (uint)v));
                break;
            case TensorElementType.Int32:
                CheckCount(name, proto.Int32Data.Count, "int32_data", dims, count);
                Fill(bytes, proto.Int32Data);
                break;
            default:
                // The 8- and 16-bit types, bool and the 16-bit floats' bit patterns all live in int32_data.
                CheckCount(name, proto.Int32Data.Count, "int32_data", dims, count);
                FillNarrow(bytes, type, proto.Int32Data);
                break;
        }

        return Tensor.FromBytes(type, bytes, dims);
    }

    /// <summary>
    /// Writes a tensor as a tensor proto: numeric data in <c>raw_data</c> (little-endian) by default, or in
    /// the typed fields when <paramref name="useRawData"/> is false; strings always in <c>string_data</c>.
    /// </summary>
    public static TensorProto ToTensorProto(Tensor tensor, string? name = null, bool useRawData = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var proto = new TensorProto { DataType = OnnxElementType.ToProto(tensor.ElementType) };
        proto.Dims.AddRange(tensor.Shape);
        if (name is not null)
        {
            proto.Name = name;
        }

        if (tensor.ElementType == TensorElementType.String)
        {
            proto.StringData.AddRange(tensor.ToArray<string>().Select(ByteString.CopyFromUtf8));
            return proto;
        }

        if (useRawData)
        {
            proto.RawData = ByteString.CopyFrom(tensor.AsBytes());
            return proto;
        }

        switch (tensor.ElementType)
        {
            case TensorElementType.Float:
                proto.FloatData.AddRange(tensor.ToArray<float>());
                break;
            case TensorElementType.Double:
                proto.DoubleData.AddRange(tensor.ToArray<double>());
                break;
            case TensorElementType.Int64:
                proto.Int64Data.AddRange(tensor.ToArray<long>());
                break;
            case TensorElementType.UInt64:
                proto.Uint64Data.AddRange(tensor.ToArray<ulong>());
                break;
            case TensorElementType.UInt32:
                proto.Uint64Data.AddRange(tensor.ToArray<uint>().Select(v => (ulong)v));
                break;
            case TensorElementType.Int32:
                proto.Int32Data.AddRange(tensor.ToArray<int>());
                break;
            case TensorElementType.Int16:
                proto.Int32Data.AddRange(tensor.ToArray<short>().Select(v => (int)v));
                break;
            case TensorElementType.UInt16:
                proto.Int32Data.AddRange(tensor.ToArray<ushort>().Select(v => (int)v));
                break;
            case TensorElementType.Int8:
                proto.Int32Data.AddRange(tensor.ToArray<sbyte>().Select(v => (int)v));
                break;
            case TensorElementType.UInt8:
                proto.Int32Data.AddRange(tensor.ToArray<byte>().Select(v => (int)v));
                break;
            case TensorElementType.Bool:
                proto.Int32Data.AddRange(tensor.ToArray<bool>().Select(v => v ? 1 : 0));
                break;
            case TensorElementType.Float16:
                proto.Int32Data.AddRange(tensor.ToArray<Half>().Select(v => (int)BitConverter.HalfToUInt16Bits(v)));
                break;
            case TensorElementType.BFloat16:
                proto.Int32Data.AddRange(tensor.ToArray<BFloat16>().Select(v => (int)v.RawValue));
                break;
            default:
                throw Error(UnsupportedDataType, name ?? "(unnamed)", OnnxElementType.ToProto(tensor.ElementType));
        }

        return proto;
    }

    private static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        TensorElementType.Int16 or TensorElementType.UInt16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
        _ => 0,
    };

    private static void Fill<T>(byte[] destination, IEnumerable<T> values)
        where T : unmanaged
    {
        var typed = MemoryMarshal.Cast<byte, T>(destination.AsSpan());
        var i = 0;
        foreach (var value in values)
        {
            typed[i++] = value;
        }
    }

    private static void FillNarrow(byte[] destination, TensorElementType type, IEnumerable<int> values)
    {
        var i = 0;
        foreach (var value in values)
        {
            switch (type)
            {
                case TensorElementType.Int8:
                case TensorElementType.UInt8:
                    destination[i++] = (byte)value;
                    break;
                case TensorElementType.Bool:
                    destination[i++] = value != 0 ? (byte)1 : (byte)0;
                    break;
                default:
                    // Int16, UInt16, Float16 and BFloat16: the low 16 bits, little-endian.
                    destination[i++] = (byte)value;
                    destination[i++] = (byte)(value >> 8);
                    break;
            }
        }
    }

    private static void CheckCount(string name, long actual, string field, long[] dims, long expected)
    {
        if (actual != expected)
        {
            throw Error(ElementCountMismatch, name, actual, field, FormatDims(dims), expected);
        }
    }

    private static string FormatDims(long[] dims) => "[" + string.Join(",", dims) + "]";

    private static DiagnosticException Error(DiagnosticDescriptor descriptor, params object?[] args) =>
        new(descriptor.Create(null, args));
}
