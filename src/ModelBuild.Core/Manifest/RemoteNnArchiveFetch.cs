using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// Fetches an <c>input_model</c> NN Archive from a remote source (<c>https://</c>, <c>s3://</c>, <c>hf://</c>, <c>npm:</c>…)
/// through the cache, with the lock file's pinning and the content store's verification, and returns the local file that holds
/// it. A loader given none reports such an archive as MB2131.
/// </summary>
/// <param name="source">The <c>input_model</c> text.</param>
/// <param name="at">Its line in the manifest.</param>
/// <returns>The archive's path on this machine.</returns>
/// <exception cref="DiagnosticException">The archive cannot be fetched or does not match its pin.</exception>
public delegate string RemoteNnArchiveFetch(string source, SourceLocation at);
