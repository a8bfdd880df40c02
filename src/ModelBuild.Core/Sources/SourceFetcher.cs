using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Sources;

/// <summary>
/// Brings a model source's bytes into the content store, checked against the pinned digest and
/// size when there are some. A remote source pinned by a digest the store already holds is not
/// contacted at all, so pinned builds work offline. Safe to use from several threads.
/// </summary>
public sealed class SourceFetcher : IDisposable
{
    private readonly ContentStore _content;
    private readonly HttpClient? _ownedHttpClient;
    private readonly Dictionary<Type, ISourceResolver> _resolvers;

    /// <param name="cache">Where fetched content goes.</param>
    /// <param name="httpClient">The client for http(s) sources; one is created (and disposed with this fetcher) if null.</param>
    /// <param name="npmExecutable">The npm client; default <c>MODELBUILD_NPM</c>, else <c>npm</c> (<c>npm.cmd</c> on Windows).</param>
    public SourceFetcher(ModelBuildCache cache, HttpClient? httpClient = null, string? npmExecutable = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _content = cache.Content;
        _ownedHttpClient = httpClient is null ? new HttpClient() : null;
        ISourceResolver[] resolvers =
        [
            new LocalFileResolver(cache.Content),
            new HttpResolver(cache.Content, httpClient ?? _ownedHttpClient!),
            new NpmResolver(cache, new NpmClient(npmExecutable ?? NpmClient.DefaultExecutable())),
        ];
        _resolvers = resolvers.ToDictionary(r => r.SourceType);
    }

    /// <summary>
    /// Fetches <paramref name="source"/> into the content store.
    /// </summary>
    /// <param name="source">What to fetch.</param>
    /// <param name="expectedDigest">The pinned SHA-256, if any; other content is an error and is not stored.</param>
    /// <param name="expectedSize">The pinned size in bytes, if any.</param>
    /// <param name="at">Where the source is written in the manifest; diagnostics point there.</param>
    /// <param name="cancellationToken">Stops the fetch; nothing partial is left in the store.</param>
    /// <exception cref="DiagnosticException">The source cannot be fetched or does not match its pin.</exception>
    public async Task<FetchedContent> FetchAsync(
        SourceReference source,
        Sha256Digest? expectedDigest = null,
        long? expectedSize = null,
        SourceLocation? at = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var request = new FetchRequest(expectedDigest, expectedSize, at);
        if (!source.IsLocal && expectedDigest is { } pinned && _content.Find(pinned) is { } cached)
        {
            return expectedSize is { } size && size != cached.Size
                ? throw request.Mismatch(source, cached)
                : new FetchedContent(cached.Digest, cached.Size, null);
        }

        if (!_resolvers.TryGetValue(source.GetType(), out var resolver))
        {
            throw new NotSupportedException($"No resolver for {source.GetType().Name}.");
        }

        var fetched = await resolver.FetchAsync(source, request, cancellationToken).ConfigureAwait(false);
        if (!source.IsLocal && expectedDigest is null)
        {
            fetched = fetched with
            {
                Warnings = fetched.Warnings.Add(SourceDiagnostics.NotPinned.Create(at, source.DisplayText, fetched.Digest, fetched.Size)),
            };
        }

        return fetched;
    }

    public void Dispose() => _ownedHttpClient?.Dispose();
}
