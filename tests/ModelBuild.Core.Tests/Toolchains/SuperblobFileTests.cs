using System.Buffers.Binary;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Tests.Toolchains;

public sealed class SuperblobFileTests
{
    [Fact]
    public void The_header_is_17_big_endian_sizes_then_the_blob_then_the_patches_by_shave_count()
    {
        byte[] blob = [1, 2, 3, 4, 5];
        var patches = new Dictionary<int, byte[]> { [1] = Patch(40, 10), [16] = Patch(50, 9) };
        using var output = new MemoryStream();

        SuperblobFile.Write(output, blob, patches);

        var bytes = output.ToArray();
        Assert.Equal(5, BinaryPrimitives.ReadInt64BigEndian(bytes));
        Assert.Equal(40, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8)));
        Assert.Equal(0, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8 * 8)));
        Assert.Equal(50, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8 * 16)));
        Assert.Equal(136 + 5 + 40 + 50, bytes.Length);
        Assert.Equal(blob, bytes[136..141]);
        Assert.Equal(patches[1], bytes[141..181]);

        var read = SuperblobFile.Read(bytes, "m.superblob");
        Assert.Equal(blob, read.Blob.ToArray());
        Assert.Equal(patches[16], read.Patch(16).ToArray());
        Assert.True(read.Patch(8).IsEmpty);
        Assert.Equal(10, read.PatchedBlobSize(1));
        Assert.Equal(5, read.PatchedBlobSize(8));
    }

    [Fact]
    public void A_header_that_does_not_add_up_is_MB6111()
    {
        using var output = new MemoryStream();
        SuperblobFile.Write(output, [1, 2, 3], new Dictionary<int, byte[]> { [2] = Patch(40, 3) });

        var error = Assert.Throws<DiagnosticException>(() => SuperblobFile.Read([.. output.ToArray(), 0], "m.superblob"));

        Assert.Equal("MB6111", error.Diagnostic.Code);
        Assert.Contains("but the file has 180", error.Diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patch_that_is_not_BSDIFF40_is_MB6111()
    {
        var patch = Patch(40, 3);
        patch[0] = (byte)'X';
        using var output = new MemoryStream();
        SuperblobFile.Write(output, [1, 2, 3], new Dictionary<int, byte[]> { [5] = patch });

        var error = Assert.Throws<DiagnosticException>(() => SuperblobFile.Read(output.ToArray(), "m.superblob"));

        Assert.Equal("'m.superblob' is not a valid superblob: the patch for 5 SHAVEs is not a BSDIFF40 patch", error.Diagnostic.Message);
    }

    [Fact]
    public void A_file_shorter_than_the_header_is_MB6111() =>
        Assert.Equal("MB6111", Assert.Throws<DiagnosticException>(() => SuperblobFile.Read(new byte[100], "x")).Diagnostic.Code);

    /// <summary>A BSDIFF40 header (empty control and diff blocks) padded to <paramref name="length"/>.</summary>
    private static byte[] Patch(int length, long newSize)
    {
        var patch = new byte[length];
        "BSDIFF40"u8.CopyTo(patch);
        BinaryPrimitives.WriteInt64LittleEndian(patch.AsSpan(24), newSize);
        return patch;
    }
}
