using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Cache;

public sealed class ContentStoreTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private readonly List<Diagnostic> _reported = [];
    private readonly ModelBuildCache _cache;

    public ContentStoreTests() => _cache = ModelBuildCache.Open(_root.FullPath, d => { lock (_reported) { _reported.Add(d); } });

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Put_stores_the_blob_under_its_digest_with_two_character_fanout_and_leaves_tmp_empty()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var digest = Sha256Digest.Compute(bytes);

        var stored = await _cache.Content.PutAsync(new MemoryStream(bytes));

        Assert.Equal(new StoredBlob(digest, bytes.Length), stored);
        var expectedPath = _root.Combine("cas", "sha256", digest.Hex[..2], digest.Hex);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(expectedPath));
        Assert.True(_cache.Content.TryGetPath(digest, out var path));
        Assert.Equal(expectedPath, path);
        Assert.Empty(_root.FilesUnder("tmp"));
    }

    [Fact]
    public async Task TryOpen_returns_the_stored_bytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(70_000);
        var stored = await _cache.Content.PutAsync(bytes);

        using var stream = _cache.Content.TryOpen(stored.Digest);

        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void Absent_blob_is_a_miss()
    {
        var digest = Sha256Digest.Compute("never stored"u8);

        Assert.False(_cache.Content.Contains(digest));
        Assert.Null(_cache.Content.TryOpen(digest));
        Assert.Null(_cache.Content.Find(digest));
        Assert.False(_cache.Content.TryGetPath(digest, out _));
    }

    [Fact]
    public async Task Wrong_expected_digest_throws_MB3001_with_both_digests_and_sizes_and_stores_nothing()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var actual = Sha256Digest.Compute(bytes);
        var expected = Sha256Digest.Compute("something else"u8);
        var casBefore = _root.FilesUnder("cas");

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _cache.Content.PutAsync(new MemoryStream(bytes), expected, 1000));

        Assert.Equal("MB3001", error.Diagnostic.Code);
        Assert.Contains(expected.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains(actual.Hex, error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("1000 bytes", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(casBefore, _root.FilesUnder("cas"));
        Assert.Empty(_root.FilesUnder("tmp"));
        Assert.False(_cache.Content.Contains(actual));
    }

    [Fact]
    public async Task Wrong_expected_size_with_the_right_digest_still_stores_nothing()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var digest = Sha256Digest.Compute(bytes);

        var error = await Assert.ThrowsAsync<DiagnosticException>(() => _cache.Content.PutAsync(new MemoryStream(bytes), digest, 999));

        Assert.Equal("MB3001", error.Diagnostic.Code);
        Assert.Contains("999 bytes", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.False(_cache.Content.Contains(digest));
        Assert.Empty(_root.FilesUnder("tmp"));
    }

    [Fact]
    public async Task Putting_a_blob_that_is_already_stored_keeps_the_existing_file()
    {
        var bytes = RandomNumberGenerator.GetBytes(5000);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var path));
        var marker = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, marker);

        var again = await _cache.Content.PutAsync(new MemoryStream(bytes), stored.Digest);

        Assert.Equal(stored, again);
        Assert.Equal(marker, File.GetLastWriteTimeUtc(path));
        Assert.Empty(_root.FilesUnder("tmp"));
    }

    [Fact]
    public async Task A_flipped_byte_in_cas_is_a_miss_and_the_blob_is_quarantined_with_a_warning()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var path));
        FlipOneByte(path);

        Assert.False(_cache.Content.Contains(stored.Digest));

        Assert.False(File.Exists(path));
        var quarantined = Assert.Single(_root.FilesUnder("quarantine"));
        Assert.StartsWith(stored.Digest.Hex, quarantined, StringComparison.Ordinal);
        var warning = Assert.Single(_reported);
        Assert.Equal("MB3002", warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains(stored.Digest.Hex, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_process_rehashes_a_blob_whose_size_or_time_stamp_changed_since_its_stamp()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var path));
        FlipOneByte(path);

        var fresh = ModelBuildCache.Open(_root.FullPath);

        Assert.Null(fresh.Content.TryOpen(stored.Digest));
        Assert.Single(_root.FilesUnder("quarantine"));
    }

    [Fact]
    public async Task A_recorded_stamp_stands_in_for_hashing_until_cache_verify_rehashes()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var path));
        var stamp = File.GetLastWriteTimeUtc(path);

        // Bit rot: the bytes change, the size and time stamp do not.
        var rotten = File.ReadAllBytes(path);
        rotten[100] ^= 0x01;
        File.WriteAllBytes(path, rotten);
        File.SetLastWriteTimeUtc(path, stamp);

        var fresh = ModelBuildCache.Open(_root.FullPath, _reported.Add);
        using (var trusted = fresh.Content.TryOpen(stored.Digest))
        {
            Assert.NotNull(trusted);
        }

        Assert.Equal(BlobVerification.Corrupt, fresh.Content.VerifyNow(stored.Digest));
        Assert.False(File.Exists(path));
        Assert.Equal("MB3002", Assert.Single(_reported).Code);
        Assert.False(fresh.Content.Contains(stored.Digest));
    }

    [Fact]
    public async Task A_stamp_older_than_the_full_verification_interval_is_not_trusted()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var path));
        var stamp = File.GetLastWriteTimeUtc(path);
        var recorded = _cache.Content.Stamps.TryRead(stored.Digest);
        Assert.NotNull(recorded);
        Assert.True(recorded.Value.Matches(bytes.Length, stamp));
        var longAgo = DateTime.UtcNow - ContentStore.FullVerificationInterval - TimeSpan.FromMinutes(1);
        _cache.Content.Stamps.Write(stored.Digest, recorded.Value with { VerifiedUtc = longAgo });
        var rotten = File.ReadAllBytes(path);
        rotten[100] ^= 0x01;
        File.WriteAllBytes(path, rotten);
        File.SetLastWriteTimeUtc(path, stamp);

        var fresh = ModelBuildCache.Open(_root.FullPath);

        Assert.Null(fresh.Content.TryOpen(stored.Digest));
        Assert.Single(_root.FilesUnder("quarantine"));
    }

    [Fact]
    public async Task A_full_hash_renews_the_stamp_and_keeps_the_last_use()
    {
        var stored = await _cache.Content.PutAsync(RandomNumberGenerator.GetBytes(4096));
        var before = _cache.Content.Stamps.TryRead(stored.Digest)!.Value;
        var used = new DateTime(2020, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        _cache.Content.Stamps.Write(stored.Digest, before with { LastUsedUtc = used, VerifiedUtc = used });

        Assert.Equal(BlobVerification.Valid, _cache.Content.VerifyNow(stored.Digest));

        var after = _cache.Content.Stamps.TryRead(stored.Digest)!.Value;
        Assert.Equal(used, after.LastUsedUtc);
        Assert.True(after.VerifiedUtc > used);
        Assert.Equal(BlobVerification.Absent, _cache.Content.VerifyNow(Sha256Digest.Compute("never stored"u8)));
    }

    [Fact]
    public async Task A_restored_copy_is_a_file_of_its_own_whose_edits_never_reach_the_cache()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var blobPath));
        var copyPath = _root.Combine("obj-copy.onnx");

        using (var target = new FileStream(copyPath, FileMode.CreateNew, FileAccess.Write))
        {
            Assert.True(_cache.Content.TryCopyTo(stored.Digest, target));
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(copyPath));
        Assert.Equal("1", LinkCount(blobPath));
        Assert.Equal("1", LinkCount(copyPath));
        await using (var edit = new FileStream(copyPath, FileMode.Open, FileAccess.Write))
        {
            edit.Position = 10;
            edit.WriteByte((byte)(bytes[10] ^ 0xFF));
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(blobPath));
        Assert.Equal(BlobVerification.Valid, _cache.Content.VerifyNow(stored.Digest));
        Assert.False(_cache.Content.TryCopyTo(Sha256Digest.Compute("never stored"u8), Stream.Null));
    }

    [Fact]
    public async Task A_corrupt_blob_is_replaced_by_the_next_put_of_the_right_content()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var stored = await _cache.Content.PutAsync(bytes);
        Assert.True(_cache.Content.TryGetPath(stored.Digest, out var path));
        FlipOneByte(path);

        await _cache.Content.PutAsync(new MemoryStream(bytes), stored.Digest);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.True(_cache.Content.Contains(stored.Digest));
    }

    [Fact]
    public void The_empty_blob_always_exists_even_after_its_file_is_deleted()
    {
        Assert.True(_cache.Content.Contains(Sha256Digest.Empty));
        Assert.True(_cache.Content.TryGetPath(Sha256Digest.Empty, out var path));
        File.Delete(path);

        Assert.Equal(new StoredBlob(Sha256Digest.Empty, 0), _cache.Content.Find(Sha256Digest.Empty));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task PutFile_copies_a_file_and_leaves_it_in_place()
    {
        var source = _root.Combine("model.onnx");
        var bytes = RandomNumberGenerator.GetBytes(12345);
        await File.WriteAllBytesAsync(source, bytes);

        var stored = await _cache.Content.PutFileAsync(source, Sha256Digest.Compute(bytes), bytes.Length);

        Assert.Equal(bytes.Length, stored.Size);
        Assert.True(File.Exists(source));
        Assert.True(_cache.Content.Contains(stored.Digest));
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_content_leave_one_valid_blob_and_no_temp_files()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var results = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(_ => Task.Run(() => _cache.Content.PutAsync(new MemoryStream(bytes)))));

        Assert.Single(results.Distinct());
        Assert.Single(_root.FilesUnder("cas"), f => !f.EndsWith(Sha256Digest.Empty.Hex, StringComparison.Ordinal));
        Assert.Empty(_root.FilesUnder("tmp"));
        Assert.True(_cache.Content.Contains(results[0].Digest));
    }

    [Fact]
    public async Task A_cancelled_put_leaves_nothing_behind()
    {
        using var cancel = new CancellationTokenSource();
        var content = new CancelAfterFirstReadStream(RandomNumberGenerator.GetBytes(500_000), cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.Content.PutAsync(content, cancellationToken: cancel.Token));

        Assert.Empty(_root.FilesUnder("tmp"));
        Assert.Equal([Path.Combine(Sha256Digest.Empty.Hex[..2], Sha256Digest.Empty.Hex)], _root.FilesUnder(Path.Combine("cas", "sha256")));
    }

    /// <summary>The number of names a file has (2 or more for a hard link), from stat(1).</summary>
    private static string LinkCount(string path)
    {
        var result = ModelBuild.Tests.ProcessRunner.Run("stat", ["-c", "%h", path]);
        Assert.True(result.Succeeded, result.Output);
        return result.Output.Trim();
    }

    private static void FlipOneByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        // File systems stamp with a coarse clock; make sure the edit is visible as a change of time stamp.
        File.SetLastWriteTimeUtc(path, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
    }

    /// <summary>Serves real bytes but cancels its token after the first read, as a user pressing Ctrl+C mid-download.</summary>
    private sealed class CancelAfterFirstReadStream(byte[] bytes, CancellationTokenSource cancel) : MemoryStream(bytes)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            await cancel.CancelAsync();
            return read;
        }
    }
}
