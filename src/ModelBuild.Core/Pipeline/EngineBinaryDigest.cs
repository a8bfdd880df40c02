using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The digest of the engine's own binaries, hashed once and then recorded in a stamp file beside them: the stamp
/// holds the digest and every file's name, size and last write time, and is believed only while all of those
/// still match. A rebuilt or replaced assembly changes its size or time stamp, so the next run hashes again and
/// rewrites the stamp; a run that cannot write it (a read-only install) hashes every time, as before.
/// </summary>
internal static class EngineBinaryDigest
{
    /// <summary>The stamp's file name, in the folder of the engine's assemblies.</summary>
    public const string StampFileName = "modelbuild.engine-digest";

    private const string DigestPrefix = "sha256 ";

    /// <summary>The digest of <paramref name="files"/>, from the stamp at <paramref name="stampPath"/> when it still fits.</summary>
    public static Sha256Digest Of(IReadOnlyList<string> files, string stampPath)
    {
        var fingerprint = Fingerprint(files);
        if (TryReadStamp(stampPath, fingerprint) is { } recorded)
        {
            return recorded;
        }

        var digest = Compute(files);
        TryWriteStamp(stampPath, DigestPrefix + digest.Hex + "\n" + fingerprint);
        return digest;
    }

    /// <summary>SHA-256 over each file's name and the SHA-256 of its content, in the order given.</summary>
    public static Sha256Digest Compute(IEnumerable<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(file)));
        }

        return Sha256Digest.FromHash(hash.GetHashAndReset());
    }

    // One line per file: name, size in bytes, last write time in UTC ticks (one stat each, no reading).
    private static string Fingerprint(IReadOnlyList<string> files)
    {
        var text = new StringBuilder();
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            text.Append(CultureInfo.InvariantCulture, $"{info.Name}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\n");
        }

        return text.ToString();
    }

    private static Sha256Digest? TryReadStamp(string stampPath, string fingerprint)
    {
        string text;
        try
        {
            text = File.ReadAllText(stampPath, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var firstLineEnd = text.IndexOf('\n', StringComparison.Ordinal);
        if (firstLineEnd < 0 || !text.StartsWith(DigestPrefix, StringComparison.Ordinal)
            || !string.Equals(text[(firstLineEnd + 1)..], fingerprint, StringComparison.Ordinal))
        {
            return null;
        }

        return Sha256Digest.TryParse(text[DigestPrefix.Length..firstLineEnd], out var digest) ? digest : null;
    }

    // Written to a private temporary file and renamed over the stamp, so a concurrent reader sees a whole stamp or none.
    private static void TryWriteStamp(string stampPath, string content)
    {
        var temporary = stampPath + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        try
        {
            File.WriteAllText(temporary, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, stampPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was written, or it cannot be removed either: the stamp is an optimisation only.
        }
    }
}
