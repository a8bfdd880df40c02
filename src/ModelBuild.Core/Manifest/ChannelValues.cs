namespace ModelBuild.Core.Manifest;

/// <summary>
/// Per-channel <c>mean_values</c> or <c>scale_values</c> as written: one number for every channel,
/// a list (one per channel, in the model's training channel order), or the <c>imagenet</c> preset.
/// </summary>
public sealed record ChannelValues(IReadOnlyList<double> Values, bool IsBroadcast, string? PresetName)
{
    /// <summary>The name of the preset ModelConverter knows.</summary>
    public const string ImageNet = "imagenet";

    /// <summary>ImageNet's per-channel mean in RGB order, on a 0–255 scale.</summary>
    public static ChannelValues ImageNetMean { get; } = new([123.675, 116.28, 103.53], false, ImageNet);

    /// <summary>ImageNet's per-channel standard deviation in RGB order, on a 0–255 scale.</summary>
    public static ChannelValues ImageNetScale { get; } = new([58.395, 57.12, 57.375], false, ImageNet);

    /// <summary>One value for all channels.</summary>
    public static ChannelValues Broadcast(double value) => new([value], true, null);

    /// <summary>One value per channel.</summary>
    public static ChannelValues PerChannel(IReadOnlyList<double> values) => new(values, false, null);

    /// <summary>
    /// The values for <paramref name="channels"/> channels: a broadcast value repeated; a list as is.
    /// With an unknown channel count a broadcast value stays a single value that applies to every element.
    /// </summary>
    public IReadOnlyList<double> Expand(long? channels) =>
        IsBroadcast && channels is > 0 ? [.. Enumerable.Repeat(Values[0], checked((int)channels.Value))] : Values;

    public bool Equals(ChannelValues? other) =>
        other is not null && IsBroadcast == other.IsBroadcast && PresetName == other.PresetName && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(IsBroadcast, PresetName, Values.Count);
}
