using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>The diagnostics of the model manifest (section "Manifest" of docs/diagnostics.md, one row per code).</summary>
public static class ManifestDiagnostics
{
    public static readonly DiagnosticDescriptor ManifestNotFound =
        new("MB1001", DiagnosticSeverity.Error, "Model manifest '{0}' was not found.");

    public static readonly DiagnosticDescriptor YamlSyntaxError =
        new("MB1002", DiagnosticSeverity.Error, "YAML syntax error: {0}");

    public static readonly DiagnosticDescriptor RootNotMapping =
        new("MB1003", DiagnosticSeverity.Error, "The manifest must be a mapping of keys to values; found {0}.");

    /// <summary>{0} key path, {1} where an override brought it in (or empty), {2} the suggestion or the valid keys.</summary>
    public static readonly DiagnosticDescriptor UnknownKey =
        new("MB1004", DiagnosticSeverity.Error, "Unknown key '{0}'{1}. {2}");

    /// <summary>{0} key path, {1} what was expected, {2} what was found.</summary>
    public static readonly DiagnosticDescriptor WrongValueType =
        new("MB1005", DiagnosticSeverity.Error, "'{0}' must be {1}; found {2}.");

    public static readonly DiagnosticDescriptor DuplicateKey =
        new("MB1006", DiagnosticSeverity.Error, "Duplicate key '{0}'; it is already set at line {1}.");

    /// <summary>{0} the value found, {1} key path, {2} the valid values, {3} a did-you-mean or empty.</summary>
    public static readonly DiagnosticDescriptor InvalidEnumValue =
        new("MB1007", DiagnosticSeverity.Error, "Invalid value {0} for '{1}'. Valid values: {2}.{3}");

    public static readonly DiagnosticDescriptor KeyNotAppliedYet =
        new("MB1008", DiagnosticSeverity.Warning, "'{0}' is not applied yet by ModelBuild.");

    /// <summary>{0} the missing key(s), quoted; {1} where it is missing.</summary>
    public static readonly DiagnosticDescriptor MissingRequiredKey =
        new("MB1009", DiagnosticSeverity.Error, "Missing required key {0} in {1}.");

    public static readonly DiagnosticDescriptor InvalidSha256 =
        new("MB1010", DiagnosticSeverity.Error, "'{0}' must be a SHA-256 digest of 64 hexadecimal characters; found {1}.");

    public static readonly DiagnosticDescriptor DeprecatedKey =
        new("MB1011", DiagnosticSeverity.Warning, "'{0}' is deprecated; use '{1}' instead.");

    public static readonly DiagnosticDescriptor ConflictingKeys =
        new("MB1012", DiagnosticSeverity.Error, "'{0}' and '{1}' cannot both be set.");

    public static readonly DiagnosticDescriptor MalformedOverride =
        new("MB1013", DiagnosticSeverity.Error, "Override '{0}' is not of the form key=value.");

    public static readonly DiagnosticDescriptor OverridePathInvalid =
        new("MB1014", DiagnosticSeverity.Error, "Override '{0}' cannot be applied: {1}");

    public static readonly DiagnosticDescriptor OverrideValueInvalid =
        new("MB1015", DiagnosticSeverity.Error, "Override '{0}' has a value that is not valid YAML: {1}");

    /// <summary>{0} the input_model.</summary>
    public static readonly DiagnosticDescriptor RemoteNnArchiveInput = new(
        "MB2131", DiagnosticSeverity.Error,
        "input_model '{0}' is an NN Archive from a remote source, which only a compile fetches (a dry run, a listing or a " +
            "standalone command does not). Compile it once, or download it and give its path.");

    /// <summary>{0} the key without a value, {1} how many arguments followed the manifest.</summary>
    public static readonly DiagnosticDescriptor OverrideWithoutValue = new(
        "MB2130", DiagnosticSeverity.Error,
        "Override '{0}' on the command line has no value: the {1} argument(s) after the manifest are key value pairs, as " +
            "ModelConverter takes them (inputs.0.shape \"[1,3,256,256]\" calibration.max_images 50).");

    /// <summary>{0} "Input" or "Output", {1} its name, {2} the line of the first entry.</summary>
    public static readonly DiagnosticDescriptor DuplicateTensorName =
        new("MB1016", DiagnosticSeverity.Error, "{0} '{1}' is listed more than once; it is first listed at line {2}.");

    public static readonly DiagnosticDescriptor LayoutRankMismatch =
        new("MB1017", DiagnosticSeverity.Error, "Layout '{0}' has {1} letters but shape {2} has {3} dimensions.");

    public static readonly DiagnosticDescriptor MultipleDocuments =
        new("MB1018", DiagnosticSeverity.Error, "The manifest holds more than one YAML document; a manifest is one document.");

    public static readonly DiagnosticDescriptor ManifestUnreadable =
        new("MB1019", DiagnosticSeverity.Error, "Could not read model manifest '{0}': {1}");

    /// <summary>{0} the input name, {1} a did-you-mean or the model's input names.</summary>
    public static readonly DiagnosticDescriptor InputNotInModel =
        new("MB1020", DiagnosticSeverity.Error, "Input '{0}' is not an input of the model. {1}");

    public static readonly DiagnosticDescriptor ChannelCountMismatch =
        new("MB1021", DiagnosticSeverity.Error, "'{0}' has {1} values but input '{2}' has {3} channels.");

    public static readonly DiagnosticDescriptor LayoutWithoutShape =
        new(
            "MB1022",
            DiagnosticSeverity.Error,
            "Layout '{0}' of input '{1}' needs a shape, and neither the manifest nor the model gives one.");

    /// <summary>{0} key path, {1} the algorithm, {2} the number of hex characters, {3} the value found.</summary>
    public static readonly DiagnosticDescriptor InvalidDigest =
        new("MB2006", DiagnosticSeverity.Error, "'{0}' must be a {1} digest of {2} hexadecimal characters; found {3}.");

    public static readonly DiagnosticDescriptor InvalidIntegrity =
        new(
            "MB2007",
            DiagnosticSeverity.Error,
            "'{0}' must be a Subresource Integrity string such as sha512-<base64 of the 64-byte hash>; found {1}.");

    /// <summary>{0} the name (control characters escaped), {1} why it cannot be used. At the manifest's <c>name:</c> or stage
    /// name.</summary>
    public static readonly DiagnosticDescriptor UnsafeManifestName =
        new("MB1030", DiagnosticSeverity.Error, "The model name '{0}' cannot be used: {1}. A name becomes a folder, file and resource " +
            "name; write a single file name such as 'textcls'.");

    /// <summary>{0} where the name was given (the Name metadata, --name), {1} the name (control characters escaped), {2} why it cannot be
    /// used.</summary>
    public static readonly DiagnosticDescriptor UnsafeModelName =
        new("MB1031", DiagnosticSeverity.Error, "{0} '{1}' cannot be used as a model name: {2}. A name becomes a folder, file and " +
            "resource name; write a single file name such as 'textcls'.");

    /// <summary>{0} the key as written. At the top-level <c>precision</c> of a manifest without <c>stages:</c>.</summary>
    public static readonly DiagnosticDescriptor PrecisionOutsideStages =
        new("MB1050", DiagnosticSeverity.Error, "'{0}' is a key of a stage of a multi-stage manifest; a single model's precision is the " +
            "ModelReference's Precision metadata (or --precision).");
}
