using ModelBuild.Tensors;

namespace ModelBuild.Imaging.Tests.Tensors;

public sealed class TensorTests
{
    [Fact]
    public void Create_copies_the_values_so_later_changes_do_not_leak_in()
    {
        float[] values = [1, 2, 3, 4, 5, 6];
        var tensor = Tensor.Create(values, [2, 3]);
        values[0] = 100;

        Assert.Equal(TensorElementType.Float, tensor.ElementType);
        Assert.Equal([2L, 3L], tensor.Shape);
        Assert.Equal(6, tensor.ElementCount);
        Assert.Equal(24, tensor.ByteCount);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], tensor.ToArray<float>());
        Assert.Equal(1f, tensor.AsSpan<float>()[0]);
    }

    [Fact]
    public void ToArray_returns_a_fresh_copy_each_time()
    {
        var tensor = Tensor.Create(new long[] { 7, 8 }, [2]);
        var first = tensor.ToArray<long>();
        first[0] = -1;

        Assert.Equal([7L, 8L], tensor.ToArray<long>());
    }

    [Fact]
    public void Shape_cannot_be_changed_through_the_list()
    {
        var tensor = Tensor.Create<int>([1, 2], [1, 2]);

        var asList = Assert.IsAssignableFrom<IList<long>>(tensor.Shape);
        Assert.Throws<NotSupportedException>(() => asList[0] = 5);
    }

    [Fact]
    public void Element_count_must_fill_the_shape_MB5020()
    {
        var error = Assert.Throws<CodedArgumentException>(() => Tensor.Create(new float[5], [2, 3]));

        Assert.StartsWith("MB5020: 5 float32 elements do not fill shape [2,3].", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_dimensions_are_MB5021()
    {
        var error = Assert.Throws<CodedArgumentException>(() => Tensor.Create(new float[3], [-1, 3]));

        Assert.StartsWith("MB5021: Shape [-1,3] has a negative dimension", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_with_the_wrong_type_is_MB5022()
    {
        var tensor = Tensor.Create(new long[] { 1 }, [1]);

        var array = Assert.Throws<CodedOperationException>(() => tensor.ToArray<float>());
        var span = Assert.Throws<CodedOperationException>(() => tensor.AsSpan<int>().Length);

        Assert.StartsWith("MB5022: The tensor holds int64 elements (Int64), not Single.", array.Message, StringComparison.Ordinal);
        Assert.StartsWith("MB5022: ", span.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_without_an_ONNX_element_type_are_MB5023()
    {
        var error = Assert.Throws<CodedArgumentException>(() => Tensor.Create<char>([(char)97], [1]));

        Assert.StartsWith("MB5023: Char is not a tensor element type.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_tensors_hold_text_and_reject_nulls_and_byte_views()
    {
        string[] values = ["", "a", "日本"];
        var tensor = Tensor.Create(values, [3]);
        values[1] = "changed";

        Assert.Equal(TensorElementType.String, tensor.ElementType);
        Assert.Equal(["", "a", "日本"], tensor.ToArray<string>());
        Assert.Equal(0, tensor.ByteCount);
        Assert.StartsWith(
            "MB5025: String element 1 is null",
            Assert.Throws<CodedArgumentException>(() => Tensor.Create(["x", null!], [2])).Message,
            StringComparison.Ordinal);
        Assert.StartsWith(
            "MB5026: string tensors have no byte representation",
            Assert.Throws<CodedOperationException>(() => tensor.AsBytes().Length).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_reads_little_endian_elements_and_normalizes_booleans()
    {
        var int16 = Tensor.FromBytes(TensorElementType.Int16, [0x01, 0x02, 0xFF, 0xFF], [2]);
        var booleans = Tensor.FromBytes(TensorElementType.Bool, [0, 1, 7], [3]);

        Assert.Equal([(short)0x0201, (short)-1], int16.ToArray<short>());
        Assert.Equal([false, true, true], booleans.ToArray<bool>());
        Assert.Equal([0, 1, 1], booleans.AsBytes().ToArray());
    }

    [Fact]
    public void FromBytes_rejects_partial_elements_MB5027_and_string_tensors_MB5026()
    {
        var partial = Assert.Throws<CodedArgumentException>(() => Tensor.FromBytes(TensorElementType.Float, new byte[6], [2]));
        var text = Assert.Throws<CodedArgumentException>(() => Tensor.FromBytes(TensorElementType.String, new byte[1], [1]));

        Assert.StartsWith(
            "MB5027: 6 bytes are not a whole number of float32 elements (shape [2]).",
            partial.Message,
            StringComparison.Ordinal);
        Assert.StartsWith("MB5026: ", text.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scalars_have_an_empty_shape_and_one_element()
    {
        var scalar = Tensor.Create<double>([2.5], []);

        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal("float64[]", scalar.ToString());
    }

    [Fact]
    public void Every_element_type_maps_to_its_NET_type()
    {
        Assert.Equal(TensorElementType.Float16, Tensor.Create(new[] { (Half)1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.BFloat16, Tensor.Create(new[] { (BFloat16)1f }, [1]).ElementType);
        Assert.Equal(TensorElementType.Int8, Tensor.Create(new sbyte[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.UInt8, Tensor.Create(new byte[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.Int16, Tensor.Create(new short[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.UInt16, Tensor.Create(new ushort[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.Int32, Tensor.Create<int>([1], [1]).ElementType);
        Assert.Equal(TensorElementType.UInt32, Tensor.Create(new uint[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.Int64, Tensor.Create(new long[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.UInt64, Tensor.Create(new ulong[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.Double, Tensor.Create(new double[] { 1 }, [1]).ElementType);
        Assert.Equal(TensorElementType.Bool, Tensor.Create<bool>([true], [1]).ElementType);
        Assert.Equal(16, (int)TensorElementType.BFloat16);
        Assert.Equal(10, (int)TensorElementType.Float16);
    }
}
