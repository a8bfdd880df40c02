using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// A manifest value with the place it was written, so a later step (a pass, a source, the calibration)
/// can report a problem on the right line of the YAML. Values that came from an override or from the
/// model itself point at the manifest file without a line.
/// </summary>
public sealed record Located<T>(T Value, SourceLocation Location);
