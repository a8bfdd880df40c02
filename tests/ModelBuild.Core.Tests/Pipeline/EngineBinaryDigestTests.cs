using ModelBuild.Core.Cache;
using ModelBuild.Core.Pipeline;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Pipeline;

/// <summary>The engine's binary digest is hashed once, then read from a stamp that fits only unchanged files.</summary>
public sealed class EngineBinaryDigestTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly string[] _files;
    private readonly string _stamp;

    public EngineBinaryDigestTests()
    {
        _files = [_folder.Combine("A.dll"), _folder.Combine("B.dll")];
        File.WriteAllBytes(_files[0], [1, 2, 3, 4]);
        File.WriteAllBytes(_files[1], [5, 6, 7, 8]);
        _stamp = _folder.Combine(EngineBinaryDigest.StampFileName);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_first_run_hashes_the_files_and_records_the_digest_beside_them()
    {
        var digest = EngineBinaryDigest.Of(_files, _stamp);

        Assert.Equal(EngineBinaryDigest.Compute(_files), digest);
        Assert.StartsWith("sha256 " + digest.Hex + "\nA.dll\t4\t", File.ReadAllText(_stamp), StringComparison.Ordinal);
    }

    [Fact]
    public void Unchanged_files_are_answered_from_the_stamp_without_reading_them()
    {
        EngineBinaryDigest.Of(_files, _stamp);
        // A digest nobody could compute from these files proves the answer came from the stamp.
        var planted = Sha256Digest.Compute("planted"u8);
        var lines = File.ReadAllText(_stamp).Split('\n', 2);
        File.WriteAllText(_stamp, "sha256 " + planted.Hex + "\n" + lines[1]);

        Assert.Equal(planted, EngineBinaryDigest.Of(_files, _stamp));
    }

    [Fact]
    public void A_rebuilt_assembly_of_the_same_size_changes_the_digest_and_the_stamp()
    {
        var before = EngineBinaryDigest.Of(_files, _stamp);
        File.WriteAllBytes(_files[1], [5, 6, 7, 9]);
        File.SetLastWriteTimeUtc(_files[1], File.GetLastWriteTimeUtc(_files[1]).AddSeconds(1));

        var after = EngineBinaryDigest.Of(_files, _stamp);

        Assert.NotEqual(before, after);
        Assert.Equal(EngineBinaryDigest.Compute(_files), after);
        Assert.StartsWith("sha256 " + after.Hex + "\n", File.ReadAllText(_stamp), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_set_of_files_does_not_fit_the_stamp()
    {
        EngineBinaryDigest.Of(_files, _stamp);

        Assert.Equal(EngineBinaryDigest.Compute(_files[..1]), EngineBinaryDigest.Of(_files[..1], _stamp));
    }

    [Fact]
    public void A_stamp_that_cannot_be_written_leaves_the_digest_computed_every_time()
    {
        var unwritable = _folder.Combine("missing-folder", EngineBinaryDigest.StampFileName);

        Assert.Equal(EngineBinaryDigest.Compute(_files), EngineBinaryDigest.Of(_files, unwritable));
        Assert.False(File.Exists(unwritable));
        Assert.Equal(["A.dll", "B.dll"], _folder.FilesUnder("."));
    }

    [Fact]
    public void A_damaged_stamp_is_replaced()
    {
        File.WriteAllText(_stamp, "sha256 not-a-digest\n");

        Assert.Equal(EngineBinaryDigest.Compute(_files), EngineBinaryDigest.Of(_files, _stamp));
        Assert.StartsWith("sha256 " + EngineBinaryDigest.Compute(_files).Hex, File.ReadAllText(_stamp), StringComparison.Ordinal);
    }
}
