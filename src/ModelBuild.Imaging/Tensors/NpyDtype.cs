using System.Globalization;

namespace ModelBuild.Tensors;

/// <summary>
/// A numpy type string such as <c>&lt;f4</c>, <c>|b1</c>, <c>&gt;i8</c>, <c>&lt;U12</c> or <c>|S3</c>:
/// byte order, kind and item size.
/// </summary>
internal sealed record NpyDtype(char Kind, int ItemSize, bool BigEndian, TensorElementType ElementType)
{
    public static NpyDtype Parse(string descr)
    {
        if (descr == "bfloat16")
        {
            return new NpyDtype('V', 2, false, TensorElementType.BFloat16);
        }

        if (descr.Length < 2 || descr[0] is not ('<' or '>' or '|' or '='))
        {
            throw Unsupported(descr);
        }

        var bigEndian = descr[0] == '>';
        var kind = descr[1];
        if (!int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw Unsupported(descr);
        }

        var elementType = (kind, size) switch
        {
            ('b', 1) => TensorElementType.Bool,
            ('i', 1) => TensorElementType.Int8,
            ('u', 1) => TensorElementType.UInt8,
            ('i', 2) => TensorElementType.Int16,
            ('u', 2) => TensorElementType.UInt16,
            ('i', 4) => TensorElementType.Int32,
            ('u', 4) => TensorElementType.UInt32,
            ('i', 8) => TensorElementType.Int64,
            ('u', 8) => TensorElementType.UInt64,
            ('f', 2) => TensorElementType.Float16,
            ('f', 4) => TensorElementType.Float,
            ('f', 8) => TensorElementType.Double,
            ('U', _) => TensorElementType.String,
            ('S', _) => TensorElementType.String,
            _ => throw Unsupported(descr),
        };

        // Unicode items are UTF-32 code units; byte strings are one byte per character.
        var itemSize = kind == 'U' ? checked(size * 4) : size;
        return new NpyDtype(kind, itemSize, bigEndian && itemSize > 1, elementType);
    }

    private static InvalidNpyException Unsupported(string descr) => new(RuntimeDiagnostics.NpyUnsupportedDtype(descr));
}
