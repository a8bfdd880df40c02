namespace ModelBuild.Runtime;

/// <summary>How much ONNX Runtime rewrites the graph when it loads a model (ORT's numbers).</summary>
public enum GraphOptimizationLevel
{
    /// <summary>No rewriting.</summary>
    DisableAll = 0,

    /// <summary>Semantics-preserving rewrites only (constant folding, redundant node removal, Conv+BN fusion...); the result is still portable ONNX.</summary>
    Basic = 1,

    /// <summary>Basic plus fusions into ORT-specific operators.</summary>
    Extended = 2,

    /// <summary>Extended plus layout changes (e.g. NCHWc).</summary>
    Layout = 3,

    /// <summary>Every optimization ORT has (its default).</summary>
    All = 99,
}
