namespace ModelBuild.Tensors;

/// <summary>Facts about each <see cref="TensorElementType"/>: size, .NET type and the name used in messages.</summary>
internal static class TensorElementTypes
{
    /// <summary>Bytes per element; 0 for strings (stored as .NET strings, not bytes) and undefined.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float => 4,
        TensorElementType.UInt8 => 1,
        TensorElementType.Int8 => 1,
        TensorElementType.UInt16 => 2,
        TensorElementType.Int16 => 2,
        TensorElementType.Int32 => 4,
        TensorElementType.Int64 => 8,
        TensorElementType.Bool => 1,
        TensorElementType.Float16 => 2,
        TensorElementType.Double => 8,
        TensorElementType.UInt32 => 4,
        TensorElementType.UInt64 => 8,
        TensorElementType.BFloat16 => 2,
        _ => 0,
    };

    public static bool IsSupported(TensorElementType type) =>
        type == TensorElementType.String || SizeOf(type) > 0;

    public static Type? ClrType(TensorElementType type) => type switch
    {
        TensorElementType.Float => typeof(float),
        TensorElementType.UInt8 => typeof(byte),
        TensorElementType.Int8 => typeof(sbyte),
        TensorElementType.UInt16 => typeof(ushort),
        TensorElementType.Int16 => typeof(short),
        TensorElementType.Int32 => typeof(int),
        TensorElementType.Int64 => typeof(long),
        TensorElementType.String => typeof(string),
        TensorElementType.Bool => typeof(bool),
        TensorElementType.Float16 => typeof(Half),
        TensorElementType.Double => typeof(double),
        TensorElementType.UInt32 => typeof(uint),
        TensorElementType.UInt64 => typeof(ulong),
        TensorElementType.BFloat16 => typeof(BFloat16),
        _ => null,
    };

    /// <summary>The element type for a .NET type, or <see cref="TensorElementType.Undefined"/> if it has none.</summary>
    public static TensorElementType FromClrType(Type type) =>
        type == typeof(float) ? TensorElementType.Float
        : type == typeof(byte) ? TensorElementType.UInt8
        : type == typeof(sbyte) ? TensorElementType.Int8
        : type == typeof(ushort) ? TensorElementType.UInt16
        : type == typeof(short) ? TensorElementType.Int16
        : type == typeof(int) ? TensorElementType.Int32
        : type == typeof(long) ? TensorElementType.Int64
        : type == typeof(string) ? TensorElementType.String
        : type == typeof(bool) ? TensorElementType.Bool
        : type == typeof(Half) ? TensorElementType.Float16
        : type == typeof(double) ? TensorElementType.Double
        : type == typeof(uint) ? TensorElementType.UInt32
        : type == typeof(ulong) ? TensorElementType.UInt64
        : type == typeof(BFloat16) ? TensorElementType.BFloat16
        : TensorElementType.Undefined;

    /// <summary>The short name used in messages, as numpy and ONNX tools print it (<c>float32</c>, <c>int64</c>...).</summary>
    public static string Name(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt16 => "uint16",
        TensorElementType.Int16 => "int16",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int64 => "int64",
        TensorElementType.String => "string",
        TensorElementType.Bool => "bool",
        TensorElementType.Float16 => "float16",
        TensorElementType.Double => "float64",
        TensorElementType.UInt32 => "uint32",
        TensorElementType.UInt64 => "uint64",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Undefined => "undefined",
        _ => "element type " + ((int)type).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
