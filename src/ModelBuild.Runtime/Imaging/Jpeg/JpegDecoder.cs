namespace ModelBuild.Imaging.Jpeg;

internal sealed class JpegDecoder(string displayName)
{
    public ImageFrame Decode(ReadOnlySpan<byte> data) => throw ImageErrors.Unsupported(displayName, "JPEG", "anything (not yet)");
}
