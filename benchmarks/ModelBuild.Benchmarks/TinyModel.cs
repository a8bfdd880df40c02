using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Benchmarks;

/// <summary>y = Relu(x) with x: float[1,16]: so little work that a run measures mostly call overhead.</summary>
internal static class TinyModel
{
    public const int Width = 16;

    public static byte[] Bytes()
    {
        static ValueInfoProto Value(string name) => new()
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = new TensorShapeProto
                    {
                        Dim = {
                        new TensorShapeProto.Types.Dimension { DimValue = 1 },
                        new TensorShapeProto.Types.Dimension { DimValue = Width } }
                    },
                },
            },
        };

        var graph = new GraphProto
        {
            Name = "tiny",
            Node = { new NodeProto { OpType = "Relu", Input = { "x" }, Output = { "y" } } },
            Input = { Value("x") },
            Output = { Value("y") },
        };
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } } };
        return model.ToByteArray();
    }

    public static float[] Input() => Enumerable.Range(0, Width).Select(i => (i % 2 == 0 ? -1f : 1f) * i).ToArray();
}
