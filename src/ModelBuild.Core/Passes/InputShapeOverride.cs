using System.Collections.Immutable;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Passes;

/// <summary>
/// A shape asked for one model input (e.g. <c>[1, 3, 48, 192]</c> from the manifest);
/// <paramref name="Location"/> is where it was asked, for diagnostics.
/// </summary>
public sealed record InputShapeOverride(string InputName, ImmutableArray<long> Shape, SourceLocation? Location = null);
