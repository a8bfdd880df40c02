using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Tests.Onnx;

public sealed class OnnxShapeTests
{
    [Fact]
    public void A_shape_prints_sizes_names_and_question_marks() =>
        Assert.Equal("[batch, 3, 48, ?]", OnnxShape.Of("batch", 3, 48, OnnxDimension.Unknown).ToString());

    [Fact]
    public void Shapes_compare_by_their_dimensions()
    {
        Assert.Equal(OnnxShape.Of("n", 3), OnnxShape.Of("n", 3));
        Assert.Equal(OnnxShape.Of("n", 3).GetHashCode(), OnnxShape.Of("n", 3).GetHashCode());
        Assert.NotEqual(OnnxShape.Of("n", 3), OnnxShape.Of("m", 3));
        Assert.NotEqual(OnnxShape.Of(3), OnnxShape.Of(3, 1));
    }

    [Fact]
    public void The_protobuf_form_round_trips_and_reads_minus_one_as_unknown()
    {
        var proto = OnnxShape.Of("batch", 3, OnnxDimension.Unknown).ToProto();
        proto.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = -1 });
        proto.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "" });

        var shape = OnnxShape.FromProto(proto);

        Assert.Equal(OnnxShape.Of("batch", 3, OnnxDimension.Unknown, OnnxDimension.Unknown, OnnxDimension.Unknown), shape);
        Assert.Equal(TensorShapeProto.Types.Dimension.ValueOneofCase.None, proto.Dim[2].ValueCase);
    }

    [Fact]
    public void Negative_sizes_and_empty_names_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxDimension.Fixed(-1));
        Assert.Throws<ArgumentException>(() => OnnxDimension.Symbolic(""));
    }
}
