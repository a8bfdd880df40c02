namespace ModelBuild.Core.Targets;

/// <summary>
/// A numeric precision, named as the Open Model Zoo names them: the float type of what stays float,
/// and whether weights and activations are quantized to INT8.
/// </summary>
public sealed record Precision(string Name, bool HalfFloat, bool Quantized)
{
    public static readonly Precision FP32 = new("FP32", HalfFloat: false, Quantized: false);
    public static readonly Precision FP16 = new("FP16", HalfFloat: true, Quantized: false);
    public static readonly Precision FP32Int8 = new("FP32-INT8", HalfFloat: false, Quantized: true);
    public static readonly Precision FP16Int8 = new("FP16-INT8", HalfFloat: true, Quantized: true);

    /// <summary>Every precision ModelBuild knows, in the order they are listed to users.</summary>
    public static IReadOnlyList<Precision> All { get; } = [FP32, FP16, FP32Int8, FP16Int8];

    /// <summary>Finds a precision by name, ignoring case (<c>fp16-int8</c> is <c>FP16-INT8</c>).</summary>
    public static Precision? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Name;
}
