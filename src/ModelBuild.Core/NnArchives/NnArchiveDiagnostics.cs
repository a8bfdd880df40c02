using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.NnArchives;

/// <summary>The diagnostics of reading an NN Archive (section "Sources" of docs/diagnostics.md, one row per code).</summary>
public static class NnArchiveDiagnostics
{
    /// <summary>{0} the archive, {1} why.</summary>
    public static readonly DiagnosticDescriptor ArchiveUnreadable =
        new("MB2080", DiagnosticSeverity.Error, "Cannot read the NN Archive {0}: {1}");

    /// <summary>{0} the archive.</summary>
    public static readonly DiagnosticDescriptor ConfigMissing =
        new("MB2081", DiagnosticSeverity.Error, "The NN Archive {0} has no config.json at its root; it is not an NN Archive.");

    /// <summary>{0} the archive, {1} what is wrong.</summary>
    public static readonly DiagnosticDescriptor ConfigInvalid =
        new("MB2082", DiagnosticSeverity.Error, "The config.json of the NN Archive {0} cannot be read: {1}.");

    /// <summary>{0} the member, {1} the archive, {2} the files it holds.</summary>
    public static readonly DiagnosticDescriptor MemberMissing =
        new(
            "MB2083",
            DiagnosticSeverity.Error,
            "The NN Archive {1} has no file '{0}' (config.json's model.metadata.path names it). It holds: {2}.");

    /// <summary>{0} the member path, {1} the archive.</summary>
    public static readonly DiagnosticDescriptor MemberPathUnsafe =
        new(
            "MB2084",
            DiagnosticSeverity.Error,
            "'{0}' in the NN Archive {1} is not a plain relative path inside the archive (rooted, '..' or empty); nothing was read.");

    /// <summary>{0} the archive, {1} the library names tried.</summary>
    public static readonly DiagnosticDescriptor XzEncoderMissing =
        new(
            "MB2140",
            DiagnosticSeverity.Error,
            "Cannot write the NN Archive {0} as .tar.xz: liblzma (XZ Utils) was not found (tried {1}). Install it: Debian/Ubuntu " +
            "liblzma5, Fedora xz-libs, macOS 'brew install xz', Windows liblzma.dll from XZ Utils on PATH.");
}
