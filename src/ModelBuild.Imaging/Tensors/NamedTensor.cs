namespace ModelBuild.Tensors;

/// <summary>A tensor with the name of the model input or output it belongs to.</summary>
/// <param name="Name">The input or output name, exactly as in the model.</param>
/// <param name="Value">The tensor.</param>
public sealed record NamedTensor(string Name, Tensor Value);
