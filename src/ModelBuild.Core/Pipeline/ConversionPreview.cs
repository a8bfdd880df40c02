using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Targets;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// What compiling a model would do, worked out without writing anything (<c>modelbuild convert --dry-run</c>):
/// the source, each action with its key and whether the cache already has its result, and the files it would write.
/// </summary>
public sealed record ConversionPreview(
    string Name,
    TargetSelection? Selection,
    string? Source,
    IReadOnlyList<PreviewStep> Steps,
    IReadOnlyList<string> Files,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => !Diagnostics.Any(d => d.IsError);
}

/// <summary>One planned action: its name, its key (null while it depends on an action that has not run), whether it is cached, its
/// options.</summary>
public sealed record PreviewStep(string Action, ActionKey? Key, bool Cached, JsonObject Options, string? Note);
