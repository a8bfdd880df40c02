namespace ModelBuild.Imaging.Preprocessing;

/// <summary>Where the channel axis goes in the produced tensor.</summary>
public enum TensorLayout
{
    /// <summary><c>[1, C, H, W]</c>: one plane per channel.</summary>
    Nchw,

    /// <summary><c>[1, H, W, C]</c>: channels interleaved per pixel.</summary>
    Nhwc,
}
