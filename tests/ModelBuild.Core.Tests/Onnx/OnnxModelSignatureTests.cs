using System.Text.Json;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Onnx;

public sealed class OnnxModelSignatureTests
{
    [Fact]
    public void Inputs_leave_out_initializers_that_old_models_list_as_inputs()
    {
        var model = new OnnxGraphBuilder()
            .IrVersion(3)
            .Input("x", DataType.Float, "batch", 4)
            .Input("w", DataType.Float, 4)
            .Initializer("w", new float[4], 4)
            .Node("Mul", ["x", "w"], ["y"])
            .Output("y", DataType.Float, "batch", 4)
            .Build();

        var signature = OnnxModelSignature.FromModel(model);

        Assert.Equal(["x"], signature.InputNames);
        Assert.Equal(["y"], signature.OutputNames);
        Assert.Equal(
            new OnnxValueInfo("x", OnnxValueKind.Tensor, TensorElementType.Float, OnnxShape.Of("batch", 4)),
            signature.FindInput("x"));
        Assert.Null(signature.FindInput("w"));
    }

    [Fact]
    public void Dimensions_are_fixed_symbolic_or_unknown()
    {
        var model = new OnnxGraphBuilder()
            .Input("image", DataType.Uint8, "batch", 3, OnnxDimension.Unknown, 192)
            .InputOfUnknownRank("any", DataType.Float16)
            .Node("Identity", ["image"], ["y"])
            .Node("Identity", ["any"], ["z"])
            .Output("y", DataType.Uint8, "batch", 3, OnnxDimension.Unknown, 192)
            .OutputOfUnknownRank("z", DataType.Float16)
            .Build();
        // Some exporters write -1 for an unknown dimension.
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue = -1;

        var signature = OnnxModelSignature.FromModel(model);
        var image = signature.Inputs[0];

        Assert.Equal("[batch, 3, ?, 192]", image.Shape!.ToString());
        Assert.True(image.Shape[0].IsSymbolic);
        Assert.True(image.Shape[2].IsUnknown);
        Assert.Equal(192, image.Shape[3].Value);
        Assert.Equal("uint8", image.ElementTypeName);
        Assert.Null(signature.Inputs[1].Shape);
        Assert.Equal("float16", signature.Inputs[1].ElementTypeName);
        Assert.Equal(signature, OnnxModelSignature.FromModel(model.Clone()));
    }

    [Fact]
    public void Non_tensor_values_and_types_newer_than_the_schema_are_named()
    {
        var model = new OnnxGraphBuilder().Input("x", DataType.Float, 1).Node("SequenceConstruct", ["x"], ["seq"])
            .Output("y", DataType.Float, 1)
            .BuildUnvalidated();
        model.Graph.Output[0] = new ValueInfoProto
        {
            Name = "seq",
            Type = new TypeProto
            {
                SequenceType = new TypeProto.Types.Sequence
                {
                    ElemType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 99 } }
                }
            },
        };

        var output = Assert.Single(OnnxModelSignature.FromModel(model).Outputs);

        Assert.Equal(OnnxValueKind.Sequence, output.Kind);
        Assert.Null(output.Shape);
        Assert.Equal("type 99", OnnxElementType.Name(OnnxElementType.FromProto(99)));
        Assert.Equal("bfloat16", OnnxElementType.Name(OnnxElementType.FromDataType(DataType.Bfloat16)));
    }

    [Fact]
    public void Element_type_names_are_the_compiled_schemas_data_types_in_lower_case()
    {
        var dataTypes = TensorProto.Descriptor.FindDescriptor<Google.Protobuf.Reflection.EnumDescriptor>("DataType");
        var last = dataTypes.Values.Max(v => v.Number);

        foreach (var number in Enumerable.Range(-1, last + 3))
        {
            var expected = dataTypes.FindValueByNumber(number)?.Name.ToLowerInvariant() ?? $"type {number}";
            Assert.Equal(expected, OnnxElementType.Name((TensorElementType)number));
        }
    }

    /// <summary>Python's onnx package reads the same signatures from every backend test model.</summary>
    [Fact]
    public void Signatures_of_the_backend_test_models_agree_with_the_onnx_package()
    {
        var models = OnnxTestData.BackendModels();
        var listPath = Path.Combine(Path.GetTempPath(), $"modelbuild-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(listPath, models);
        try
        {
            var (exitCode, output) = PythonOnnx.Run("""
                import sys, json, onnx
                def dim(d):
                    if d.HasField("dim_value") and d.dim_value >= 0: return str(d.dim_value)
                    if d.HasField("dim_param") and d.dim_param: return d.dim_param
                    return "?"
                def value(v):
                    t = v.type
                    if t.HasField("tensor_type"):
                        shape = "[" + ", ".join(dim(d) for d in t.tensor_type.shape.dim) + "]" if t.tensor_type.HasField("shape") else None
                        return [v.name, t.tensor_type.elem_type, shape]
                    return [v.name, 0, None]
                result = {}
                for path in open(sys.argv[1]).read().splitlines():
                    g = onnx.load(path).graph
                    weights = {i.name for i in g.initializer} | {s.values.name for s in g.sparse_initializer}
                    result[path] = [[value(i) for i in g.input if i.name not in weights], [value(o) for o in g.output]]
                print(json.dumps(result))
                """, listPath);
            Assert.True(exitCode == 0, output);
            var expected = JsonSerializer.Deserialize<Dictionary<string, JsonElement[][][]>>(output)!;

            foreach (var path in models)
            {
                var signature = OnnxModelSignature.FromModel(OnnxModelFile.Read(path));
                Assert.Equal(Describe(expected[path][0]), signature.Inputs.Select(Describe));
                Assert.Equal(Describe(expected[path][1]), signature.Outputs.Select(Describe));
            }
        }
        finally
        {
            File.Delete(listPath);
        }
    }

    private static IEnumerable<string> Describe(JsonElement[][] values) =>
        values.Select(v => $"{v[0].GetString()} {v[1].GetInt32()} {(v[2].ValueKind == JsonValueKind.Null ? "-" : v[2].GetString())}");

    private static string Describe(OnnxValueInfo value) =>
        $"{value.Name} {OnnxElementType.ToProto(value.ElementType)} {value.Shape?.ToString() ?? "-"}";
}
