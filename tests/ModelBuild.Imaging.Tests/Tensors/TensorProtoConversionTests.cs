using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Imaging.Tests.Tensors;

public sealed class TensorProtoConversionTests
{
    public static TheoryData<TensorElementType, bool> EveryTypeBothLayouts()
    {
        var data = new TheoryData<TensorElementType, bool>();
        foreach (var type in SampleTensors.AllTypes)
        {
            data.Add(type, true);
            data.Add(type, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTypeBothLayouts))]
    public void Every_element_type_round_trips_through_raw_and_typed_fields(TensorElementType type, bool useRawData)
    {
        var tensor = SampleTensors.Create(type, [2, 3]);

        var proto = TensorProtoConversion.ToTensorProto(tensor, "t", useRawData);
        var back = TensorProtoConversion.ToTensor(TensorProto.Parser.ParseFrom(proto.ToByteArray()));

        Assert.Equal((int)type, proto.DataType);
        Assert.Equal([2L, 3L], proto.Dims);
        Assert.Equal("t", proto.Name);
        Assert.Equal(useRawData && type != TensorElementType.String, proto.HasRawData);
        Assert.Equal(type, back.ElementType);
        Assert.Equal([2L, 3L], back.Shape);
        if (type == TensorElementType.String)
        {
            Assert.Equal(tensor.ToArray<string>(), back.ToArray<string>());
        }
        else
        {
            Assert.Equal(tensor.AsBytes().ToArray(), back.AsBytes().ToArray());
        }
    }

    [Fact]
    public void Typed_fields_follow_the_ONNX_layout()
    {
        Assert.Equal([0x3C00, 0xC000], TypedInt32(Tensor.Create(new[] { (Half)1f, (Half)(-2f) }, [2])));
        Assert.Equal([0x3F80, 0xC000], TypedInt32(Tensor.Create(new[] { (BFloat16)1f, (BFloat16)(-2f) }, [2])));
        Assert.Equal([1, 0], TypedInt32(Tensor.Create<bool>([true, false], [2])));
        Assert.Equal([-128, 127], TypedInt32(Tensor.Create(new sbyte[] { -128, 127 }, [2])));
        Assert.Equal([255], TypedInt32(Tensor.Create<byte>([255], [1])));
        Assert.Equal([65535], TypedInt32(Tensor.Create(new ushort[] { 65535 }, [1])));
        Assert.Equal(
            [4294967295ul],
            TensorProtoConversion.ToTensorProto(Tensor.Create(new[] { uint.MaxValue }, [1]), useRawData: false).Uint64Data);
        Assert.Equal([ByteString.CopyFromUtf8("日本")], TensorProtoConversion.ToTensorProto(Tensor.Create(["日本"], [1])).StringData);
    }

    [Fact]
    public void Reads_protos_written_by_other_tools_field_by_field()
    {
        var float16 = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float16, Dims = { 2 }, Int32Data = { 0x3C00, 0x7C00 } };
        var uint32 = new TensorProto { DataType = (int)TensorProto.Types.DataType.Uint32, Dims = { 1 }, Uint64Data = { 4000000000 } };
        var boolean = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, Dims = { 3 }, Int32Data = { 1, 0, 1 } };
        var scalar = new TensorProto { DataType = (int)TensorProto.Types.DataType.Double, DoubleData = { 2.5 } };

        Assert.Equal([(Half)1f, Half.PositiveInfinity], TensorProtoConversion.ToTensor(float16).ToArray<Half>());
        Assert.Equal([4000000000u], TensorProtoConversion.ToTensor(uint32).ToArray<uint>());
        Assert.Equal([true, false, true], TensorProtoConversion.ToTensor(boolean).ToArray<bool>());
        var scalarTensor = TensorProtoConversion.ToTensor(scalar);
        Assert.Empty(scalarTensor.Shape);
        Assert.Equal([2.5], scalarTensor.ToArray<double>());
    }

    [Fact]
    public void Reads_a_tensor_ONNX_itself_wrote()
    {
        // libonnx-testdata's test_relu input, written by onnx.numpy_helper: float32 [3,4,5] in raw_data.
        var path = "/usr/share/libonnx-testdata/data/node/test_relu/test_data_set_0/input_0.pb";
        ModelBuild.Tests.DebianPackage.OnnxTestData.Require(path);

        var tensor = TensorProtoConversion.ToTensor(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)));

        Assert.Equal(TensorElementType.Float, tensor.ElementType);
        Assert.Equal([3L, 4L, 5L], tensor.Shape);
        Assert.Contains(tensor.ToArray<float>(), v => v < 0);
    }

    [Fact]
    public void Problems_are_diagnostics_MB5040_to_MB5044()
    {
        var complex = new TensorProto
        {
            Name = "c",
            DataType = (int)TensorProto.Types.DataType.Complex64,
            Dims = { 1 },
            FloatData = { 1, 2 }
        };
        var tooFew = new TensorProto
        {
            Name = "f",
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { 2, 2 },
            FloatData = { 1, 2, 3 }
        };
        var external = new TensorProto
        {
            Name = "e",
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { 1 },
            DataLocation = TensorProto.Types.DataLocation.External
        };
        external.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        var segment = new TensorProto
        {
            Name = "s",
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { 1 },
            FloatData = { 1 },
            Segment = new TensorProto.Types.Segment { Begin = 0, End = 1 }
        };
        var negative = new TensorProto { Name = "n", DataType = (int)TensorProto.Types.DataType.Float, Dims = { -1 } };

        Assert.Equal("MB5040", Code(complex));
        Assert.Equal("MB5041", Code(tooFew));
        Assert.Equal("MB5042", Code(external));
        Assert.Equal("MB5043", Code(segment));
        Assert.Equal("MB5044", Code(negative));
        Assert.Equal("Tensor 'f' has 3 values in float_data, but its dims [2,2] need 4.", Message(tooFew));
        Assert.Contains("weights.bin", Message(external), StringComparison.Ordinal);
    }

    private static int[] TypedInt32(Tensor tensor) =>
        TensorProtoConversion.ToTensorProto(tensor, useRawData: false).Int32Data.ToArray();

    private static string Code(TensorProto proto) =>
        Assert.Throws<DiagnosticException>(() => TensorProtoConversion.ToTensor(proto)).Diagnostic.Code;

    private static string Message(TensorProto proto) =>
        Assert.Throws<DiagnosticException>(() => TensorProtoConversion.ToTensor(proto)).Diagnostic.Message;
}
