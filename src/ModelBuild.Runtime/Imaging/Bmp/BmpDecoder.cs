namespace ModelBuild.Imaging.Bmp;

internal sealed class BmpDecoder(string displayName)
{
    public ImageFrame Decode(ReadOnlySpan<byte> data) => throw ImageErrors.Unsupported(displayName, "BMP", "anything (not yet)");
}
