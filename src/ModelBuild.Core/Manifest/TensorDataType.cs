using System.Diagnostics.CodeAnalysis;

namespace ModelBuild.Core.Manifest;

/// <summary>The element types a manifest can name in <c>data_type</c> (ModelConverter's set).</summary>
[SuppressMessage(
    "Naming",
    "CA1720:Identifier contains type name",
    Justification = "The members are tensor element types; their names are the types they stand for.")]
public enum TensorDataType
{
    Float32,
    Float16,
    BFloat16,
    Float64,
    Int4,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt4,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Boolean,
    Text,
    UFxp8,
    UFxp16,
    UFxp32,
    UFxp64,
    Fxp8,
    Fxp16,
    Fxp32,
    Fxp64,
}

/// <summary>The spelling of each <see cref="TensorDataType"/> in a manifest (<c>float32</c>, <c>uint8</c>, ...).</summary>
public static class TensorDataTypeNames
{
    private static readonly (TensorDataType Type, string Name)[] Table =
    [
        (TensorDataType.BFloat16, "bfloat16"),
        (TensorDataType.Float16, "float16"),
        (TensorDataType.Float32, "float32"),
        (TensorDataType.Float64, "float64"),
        (TensorDataType.Int4, "int4"),
        (TensorDataType.Int8, "int8"),
        (TensorDataType.Int16, "int16"),
        (TensorDataType.Int32, "int32"),
        (TensorDataType.Int64, "int64"),
        (TensorDataType.UInt4, "uint4"),
        (TensorDataType.UInt8, "uint8"),
        (TensorDataType.UInt16, "uint16"),
        (TensorDataType.UInt32, "uint32"),
        (TensorDataType.UInt64, "uint64"),
        (TensorDataType.Boolean, "boolean"),
        (TensorDataType.Text, "string"),
        (TensorDataType.UFxp8, "ufxp8"),
        (TensorDataType.UFxp16, "ufxp16"),
        (TensorDataType.UFxp32, "ufxp32"),
        (TensorDataType.UFxp64, "ufxp64"),
        (TensorDataType.Fxp8, "fxp8"),
        (TensorDataType.Fxp16, "fxp16"),
        (TensorDataType.Fxp32, "fxp32"),
        (TensorDataType.Fxp64, "fxp64"),
    ];

    /// <summary>Every valid name, in ModelConverter's order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Table.Select(t => t.Name)];

    /// <summary>The manifest spelling of <paramref name="type"/>.</summary>
    public static string ToName(this TensorDataType type) => Array.Find(Table, t => t.Type == type).Name;

    /// <summary>Parses a manifest spelling; names are case-sensitive as in ModelConverter.</summary>
    public static bool TryParse(string name, out TensorDataType type)
    {
        foreach (var (candidate, spelling) in Table)
        {
            if (string.Equals(spelling, name, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}
