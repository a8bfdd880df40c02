using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>Finds the graph input a request names, reporting an unknown name with the real ones (MB4050).</summary>
internal static class InputLookup
{
    /// <summary>The graph input named <paramref name="name"/> that is not an initializer, or null after reporting MB4050.</summary>
    public static ValueInfoProto? Find(ModelProto model, string name, SourceLocation? location, DiagnosticBag diagnostics)
    {
        var signature = OnnxModelSignature.FromModel(model);
        if (signature.FindInput(name) is not null)
        {
            return model.Graph.Input.First(i => i.Name == name);
        }

        var suggestion = NameSuggestion.Closest(name, signature.InputNames);
        diagnostics.Add(
            PassDiagnostics.UnknownInput,
            location,
            name,
            suggestion is null ? "" : $" Did you mean '{suggestion}'?",
            signature.Inputs.IsEmpty ? "none" : string.Join(", ", signature.InputNames.Select(n => $"'{n}'")));
        return null;
    }

    /// <summary>The element type of a tensor input, or <see cref="TensorElementType.Undefined"/> when it is not a tensor.</summary>
    public static TensorElementType ElementType(ValueInfoProto input) =>
        input.Type?.ValueCase == TypeProto.ValueOneofCase.TensorType
            ? OnnxElementType.FromProto(input.Type.TensorType.ElemType)
            : TensorElementType.Undefined;

    /// <summary>The input's shape, or null when its rank is unknown.</summary>
    public static OnnxShape? Shape(ValueInfoProto input) =>
        input.Type?.TensorType?.Shape is { } shape ? OnnxShape.FromProto(shape) : null;
}
