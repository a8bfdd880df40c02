using System.Security.Cryptography;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

/// <summary>
/// <see cref="ContentStore.AdoptFile"/>: a finished download in the cache's <c>tmp/</c>, hashed by its writer, is
/// taken into <c>cas/</c> by rename; content that is not what was expected is deleted and nothing is stored.
/// </summary>
public sealed class ContentStoreAdoptionTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly ModelBuildCache _cache;
    private readonly byte[] _bytes = RandomNumberGenerator.GetBytes(300_000);

    // The store starts with its empty blob (and the commit that wrote it).
    private readonly IReadOnlyList<string> _blobsAtStart;
    private readonly int _commitsAtStart;

    public ContentStoreAdoptionTests()
    {
        _cache = ModelBuildCache.Open(_root.FullPath);
        _blobsAtStart = _root.FilesUnder("cas");
        _commitsAtStart = _cache.Content.Commits;
    }

    public void Dispose() => _root.Dispose();

    private string WriteTemp(byte[] bytes, string name = "download.part")
    {
        var path = _root.Combine("tmp", ModelBuildCache.PartialDownloadsFolder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void An_adopted_file_becomes_the_blob_by_rename_and_is_readable_verified()
    {
        var path = WriteTemp(_bytes);
        var written = new FileInfo(path).LastWriteTimeUtc;
        var digest = Sha256Digest.Compute(_bytes);

        var attempt = _cache.Content.AdoptFile(path, digest, _bytes.Length, digest, _bytes.Length);

        Assert.True(attempt.Matched);
        Assert.Equal(new StoredBlob(digest, _bytes.Length), attempt.Actual);
        Assert.False(File.Exists(path));
        var blobPath = _root.Combine("cas", "sha256", digest.Hex[..2], digest.Hex);
        Assert.Equal(_bytes, File.ReadAllBytes(blobPath));

        // Renamed, not copied: the file keeps the time stamp it was written with.
        Assert.Equal(written, new FileInfo(blobPath).LastWriteTimeUtc);
        Assert.Empty(_root.FilesUnder("tmp"));
        Assert.Equal(_commitsAtStart + 1, _cache.Content.Commits);

        // A fresh process verifies it like any other blob.
        Assert.NotNull(ModelBuildCache.Open(_root.FullPath).Content.Find(digest));
    }

    [Fact]
    public void Content_that_is_not_the_expected_one_is_deleted_and_nothing_is_stored()
    {
        var path = WriteTemp(_bytes);
        var digest = Sha256Digest.Compute(_bytes);
        var expected = Sha256Digest.Compute([1, 2, 3]);

        var attempt = _cache.Content.AdoptFile(path, digest, _bytes.Length, expected, null);

        Assert.False(attempt.Matched);
        Assert.Equal(new StoredBlob(digest, _bytes.Length), attempt.Actual);
        Assert.False(File.Exists(path));
        Assert.Equal(_blobsAtStart, _root.FilesUnder("cas"));
        Assert.Empty(_root.FilesUnder("tmp"));
    }

    [Fact]
    public void A_size_other_than_the_expected_one_is_not_stored()
    {
        var path = WriteTemp(_bytes);
        var digest = Sha256Digest.Compute(_bytes);

        Assert.False(_cache.Content.AdoptFile(path, digest, _bytes.Length, null, _bytes.Length + 1).Matched);
        Assert.Equal(_blobsAtStart, _root.FilesUnder("cas"));
    }

    [Fact]
    public void A_file_whose_length_differs_from_what_its_writer_hashed_is_refused_and_deleted()
    {
        var path = WriteTemp(_bytes);
        var digest = Sha256Digest.Compute(_bytes);

        Assert.Throws<ArgumentException>(() => _cache.Content.AdoptFile(path, digest, _bytes.Length - 1, null, null));

        Assert.False(File.Exists(path));
        Assert.Equal(_blobsAtStart, _root.FilesUnder("cas"));
    }

    [Fact]
    public void Only_files_in_the_cache_temp_folder_can_be_adopted()
    {
        using var elsewhere = new TemporaryDirectory();
        var path = elsewhere.Combine("model.onnx");
        File.WriteAllBytes(path, _bytes);
        var digest = Sha256Digest.Compute(_bytes);

        Assert.Throws<ArgumentException>(() => _cache.Content.AdoptFile(path, digest, _bytes.Length, null, null));

        Assert.True(File.Exists(path));
        Assert.Equal(_blobsAtStart, _root.FilesUnder("cas"));
    }

    [Fact]
    public async Task Adopting_content_the_store_already_holds_keeps_the_existing_blob_and_drops_the_file()
    {
        var stored = await _cache.Content.PutAsync(_bytes);
        var path = WriteTemp(_bytes);

        var attempt = _cache.Content.AdoptFile(path, stored.Digest, _bytes.Length, stored.Digest, null);

        Assert.True(attempt.Matched);
        Assert.False(File.Exists(path));
        Assert.Equal(_commitsAtStart + 1, _cache.Content.Commits);
        Assert.NotNull(_cache.Content.Find(stored.Digest));
    }
}
