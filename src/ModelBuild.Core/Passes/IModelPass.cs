using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Passes;

/// <summary>
/// One small, deterministic graph transform. A plan is a list of passes applied in order; each pass
/// says what it was asked to do (<see cref="DescribeOptions"/>), which goes into action keys and
/// <c>buildinfo.json</c>.
/// </summary>
public interface IModelPass
{
    /// <summary>The pass's name in plans and build records: <c>inputs</c>, <c>preprocessing</c>, <c>outputs</c>, <c>simplify</c>,
    /// <c>fp16</c>.</summary>
    string Name { get; }

    /// <summary>What the pass is asked to do, as JSON (a new object on every call).</summary>
    JsonObject DescribeOptions();

    /// <summary>
    /// A transformed copy of <paramref name="model"/>, or null when the request cannot be met (each reason is
    /// added to <paramref name="diagnostics"/>, which may also receive warnings). The model given is not changed.
    /// </summary>
    ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics);
}
