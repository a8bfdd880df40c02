using System.Buffers.Binary;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// An RVC2 superblob: the blob compiled for 8 SHAVEs followed by bsdiff patches that turn it into the
/// blob for 1 to 16 SHAVEs, behind a header of 17 big-endian 8-byte sizes (the blob, then the patch for
/// each SHAVE count; 0 means no patch — the 8-SHAVE blob itself). This is the layout ModelConverter
/// writes and DepthAI reads; each patch is a BSDIFF40 file (magic, three signed 8-byte lengths, bzip2 blocks).
/// </summary>
public sealed class SuperblobFile
{
    /// <summary>Patches for 1..16 SHAVEs.</summary>
    public const int PatchCount = 16;

    /// <summary>17 sizes of 8 bytes.</summary>
    public const int HeaderSize = 8 * (PatchCount + 1);

    /// <summary>The SHAVE count the base blob is compiled for.</summary>
    public const int BaseShaves = 8;

    private const int BsdiffHeaderSize = 32;
    private readonly byte[] _data;
    private readonly long[] _patchSizes;

    private SuperblobFile(byte[] data, long blobSize, long[] patchSizes)
    {
        _data = data;
        BlobSize = blobSize;
        _patchSizes = patchSizes;
    }

    /// <summary>The size of the 8-SHAVE blob.</summary>
    public long BlobSize { get; }

    /// <summary>The patch size for 1..16 SHAVEs (index 0 is 1 SHAVE).</summary>
    public IReadOnlyList<long> PatchSizes => _patchSizes;

    /// <summary>The 8-SHAVE blob.</summary>
    public ReadOnlyMemory<byte> Blob => _data.AsMemory(HeaderSize, checked((int)BlobSize));

    /// <summary>Reads and checks a superblob; MB6111 naming <paramref name="displayName"/> and what is wrong.</summary>
    public static SuperblobFile Read(byte[] data, string displayName)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < HeaderSize)
        {
            throw Invalid(displayName, $"it is {data.Length} bytes, shorter than the {HeaderSize}-byte header");
        }

        var blobSize = ReadSize(data, 0, "the blob size", displayName);
        var patchSizes = new long[PatchCount];
        for (var i = 0; i < PatchCount; i++)
        {
            patchSizes[i] = ReadSize(data, 8 * (i + 1), $"the patch size for {i + 1} SHAVEs", displayName);
        }

        if (blobSize == 0)
        {
            throw Invalid(displayName, "the blob size in the header is 0");
        }

        var expected = HeaderSize + blobSize + patchSizes.Sum();
        if (expected != data.Length)
        {
            throw Invalid(displayName, $"the header adds up to {expected} bytes (blob {blobSize} + patches {patchSizes.Sum()} + header " +
                $"{HeaderSize}) but the file has {data.Length}");
        }

        var file = new SuperblobFile(data, blobSize, patchSizes);
        for (var shaves = 1; shaves <= PatchCount; shaves++)
        {
            if (file.PatchSizes[shaves - 1] > 0)
            {
                CheckPatch(file.Patch(shaves).Span, shaves, displayName);
            }
        }

        return file;
    }

    /// <summary>The bsdiff patch for <paramref name="shaves"/> SHAVEs; empty when the 8-SHAVE blob serves as is.</summary>
    public ReadOnlyMemory<byte> Patch(int shaves)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shaves, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shaves, PatchCount);
        var offset = HeaderSize + BlobSize + _patchSizes.Take(shaves - 1).Sum();
        return _data.AsMemory(checked((int)offset), checked((int)_patchSizes[shaves - 1]));
    }

    /// <summary>The size of the blob a patch produces (BSDIFF40's new-file size); the blob size for no patch.</summary>
    public long PatchedBlobSize(int shaves)
    {
        var patch = Patch(shaves).Span;
        return patch.IsEmpty ? BlobSize : ReadBsdiffNumber(patch[24..]);
    }

    /// <summary>Writes a superblob: the header, the 8-SHAVE blob, then the patches by SHAVE count.</summary>
    /// <param name="output">Receives the superblob.</param>
    /// <param name="blob">The 8-SHAVE blob.</param>
    /// <param name="patches">SHAVE count (1..16) → bsdiff patch; missing counts are written as size 0.</param>
    public static void Write(Stream output, ReadOnlySpan<byte> blob, IReadOnlyDictionary<int, byte[]> patches)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(patches);
        if (patches.Keys.Any(k => k is < 1 or > PatchCount))
        {
            throw new ArgumentException("Patches are for 1 to 16 SHAVEs.", nameof(patches));
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt64BigEndian(header, blob.Length);
        for (var shaves = 1; shaves <= PatchCount; shaves++)
        {
            BinaryPrimitives.WriteInt64BigEndian(header[(8 * shaves)..], patches.TryGetValue(shaves, out var patch) ? patch.Length : 0);
        }

        output.Write(header);
        output.Write(blob);
        for (var shaves = 1; shaves <= PatchCount; shaves++)
        {
            if (patches.TryGetValue(shaves, out var patch))
            {
                output.Write(patch);
            }
        }
    }

    private static void CheckPatch(ReadOnlySpan<byte> patch, int shaves, string displayName)
    {
        if (patch.Length < BsdiffHeaderSize || !patch[..8].SequenceEqual("BSDIFF40"u8))
        {
            throw Invalid(displayName, $"the patch for {shaves} SHAVEs is not a BSDIFF40 patch");
        }

        var control = ReadBsdiffNumber(patch[8..]);
        var diff = ReadBsdiffNumber(patch[16..]);
        var newSize = ReadBsdiffNumber(patch[24..]);
        if (control < 0 || diff < 0 || newSize < 0 || BsdiffHeaderSize + control + diff > patch.Length)
        {
            throw Invalid(displayName, $"the patch for {shaves} SHAVEs has block sizes ({control}, {diff}) or a blob size ({newSize}) " +
                $"that do not fit its {patch.Length} bytes");
        }
    }

    /// <summary>bsdiff's number format: little-endian magnitude, sign in the top bit of the last byte.</summary>
    private static long ReadBsdiffNumber(ReadOnlySpan<byte> bytes)
    {
        var magnitude = BinaryPrimitives.ReadInt64LittleEndian(bytes) & long.MaxValue;
        return (bytes[7] & 0x80) != 0 ? -magnitude : magnitude;
    }

    private static long ReadSize(byte[] data, int offset, string what, string displayName)
    {
        var value = BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(offset));
        return value >= 0 ? value : throw Invalid(displayName, $"{what} in the header is negative ({value})");
    }

    private static DiagnosticException Invalid(string displayName, string reason) =>
        new(ToolchainDiagnostics.InvalidSuperblob.Create(null, displayName, reason));
}
