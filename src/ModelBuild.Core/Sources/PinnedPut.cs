using System.Security.Cryptography;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Streams;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Stores a local or packaged file in the content store, checked against every digest of the fetch's pin in
/// the same pass that stores it: content that misses any digest (a sha384 or sha512 pin included) is never
/// stored, and the file is read once.
/// </summary>
internal static class PinnedPut
{
    /// <exception cref="Diagnostics.DiagnosticException">The content does not match the pin (MB2012 or MB2033).</exception>
    public static async Task<FetchedContent> StoreAsync(
        ContentStore store,
        Stream content,
        SourceReference source,
        FetchRequest request,
        string? localPath,
        CancellationToken cancellationToken)
    {
        var algorithms = request.Pin.OtherDigests.Select(d => d.Algorithm).Distinct().ToArray();
        var hashing = new DigestingReadStream(content, algorithms);
        await using (hashing.ConfigureAwait(false))
        {
            var attempt = await store.TryPutAsync(
                hashing,
                request.ExpectedDigest,
                request.ExpectedSize,
                cancellationToken,
                accept: () => request.Pin.OtherDigests.All(hashing.Digests.Contains)).ConfigureAwait(false);
            if (attempt.Matched)
            {
                return new FetchedContent(attempt.Actual.Digest, attempt.Actual.Size, localPath) { VerifiedDigests = [.. hashing.Digests] };
            }

            var sha256Matches = request.ExpectedDigest is not { } expected || expected == attempt.Actual.Digest;
            var sizeMatches = request.ExpectedSize is not { } size || size == attempt.Actual.Size;
            throw sha256Matches && sizeMatches
                ? request.Mismatch(
                    source,
                    string.Join(", ", hashing.Digests.Select(d => $"{d.AlgorithmName} {d.Hex}")) + $" ({attempt.Actual.Size} bytes)")
                : request.Mismatch(source, attempt.Actual);
        }
    }

    /// <summary>A read-only stream that hashes what is read through it; <see cref="Digests"/> is complete once it reached the
    /// end.</summary>
    private sealed class DigestingReadStream(Stream inner, DigestAlgorithm[] algorithms) : ObservedReadStream(inner)
    {
        private readonly IncrementalHash[] _hashes = [.. algorithms.Select(a => IncrementalHash.CreateHash(ContentDigest.HashName(a)))];
        private List<ContentDigest>? _digests;

        /// <summary>The digests of everything read; empty before the end was reached.</summary>
        public IReadOnlyList<ContentDigest> Digests => _digests ?? [];

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var hash in _hashes)
                {
                    hash.Dispose();
                }
            }

            base.Dispose(disposing);
        }

        protected override void Observe(ReadOnlySpan<byte> chunk, int requested)
        {
            if (chunk.Length == 0)
            {
                _digests ??= [.. algorithms.Select((a, i) => ContentDigest.FromHash(a, _hashes[i].GetHashAndReset()))];
                return;
            }

            foreach (var hash in _hashes)
            {
                hash.AppendData(chunk);
            }
        }
    }
}
