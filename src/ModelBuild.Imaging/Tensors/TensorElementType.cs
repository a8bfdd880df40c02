namespace ModelBuild.Tensors;

/// <summary>
/// The element type of a tensor, numbered as ONNX numbers <c>TensorProto.DataType</c>
/// (ONNX Runtime uses the same numbers).
/// </summary>
#pragma warning disable CA1720 // The members are ONNX's own data type names, which name .NET types too.
public enum TensorElementType
{
    /// <summary>No element type: the value is not a tensor, or its type is unknown.</summary>
    Undefined = 0,

    /// <summary>32-bit IEEE float (<see cref="float"/>).</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer (<see cref="byte"/>).</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer (<see cref="sbyte"/>).</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer (<see cref="ushort"/>).</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer (<see cref="short"/>).</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer (<see cref="int"/>).</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer (<see cref="long"/>).</summary>
    Int64 = 7,

    /// <summary>Text (<see cref="string"/>; UTF-8 on the native side).</summary>
    String = 8,

    /// <summary>Boolean, one byte per element (<see cref="bool"/>).</summary>
    Bool = 9,

    /// <summary>16-bit IEEE float (<see cref="System.Half"/>).</summary>
    Float16 = 10,

    /// <summary>64-bit IEEE float (<see cref="double"/>).</summary>
    Double = 11,

    /// <summary>Unsigned 32-bit integer (<see cref="uint"/>).</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer (<see cref="ulong"/>).</summary>
    UInt64 = 13,

    /// <summary>Brain float: the upper 16 bits of a 32-bit float (<see cref="Tensors.BFloat16"/>).</summary>
    BFloat16 = 16,
}
#pragma warning restore CA1720
