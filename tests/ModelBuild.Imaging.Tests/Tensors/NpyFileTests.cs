using System.Text;
using ModelBuild.Tensors;

namespace ModelBuild.Imaging.Tests.Tensors;

/// <summary>
/// The files in TestData were written by numpy 1.24 (see make_npy.py there); reading them and writing
/// the same arrays back must give numpy's bytes exactly.
/// </summary>
public sealed class NpyFileTests
{
    private static readonly string TestData = Path.Combine(RepositoryRoot(), "tests", "ModelBuild.Imaging.Tests", "Tensors", "TestData");

    public static TheoryData<string> NumpyWrittenFiles => new(
        "float32_2x3.npy", "int64_4.npy", "bool_2x2.npy", "float16_3.npy", "uint8_empty_0x3.npy", "unicode_3.npy",
        "float64_scalar.npy", "int8_3.npy", "uint16_2.npy", "uint32_2.npy", "uint64_2.npy", "int16_2.npy", "int32_2.npy");

    [Fact]
    public void Reads_the_values_numpy_wrote()
    {
        Assert.Equal([1.5f, -2f, 0f, 3.25f, 1e-20f, -7f], Read("float32_2x3.npy", [2, 3]).ToArray<float>());
        Assert.Equal([-(1L << 40), -1L, 0L, 1L << 53], Read("int64_4.npy", [4]).ToArray<long>());
        Assert.Equal([true, false, false, true], Read("bool_2x2.npy", [2, 2]).ToArray<bool>());
        Assert.Equal([(Half)0.5f, (Half)(-1f), Half.MaxValue], Read("float16_3.npy", [3]).ToArray<Half>());
        Assert.Empty(Read("uint8_empty_0x3.npy", [0, 3]).ToArray<byte>());
        Assert.Equal(["", "naïve", "日本語🎉"], Read("unicode_3.npy", [3]).ToArray<string>());
        Assert.Equal([Math.PI], Read("float64_scalar.npy", []).ToArray<double>());
        Assert.Equal([(sbyte)1, (sbyte)-2, (sbyte)3], Read("int8_3.npy", [3]).ToArray<sbyte>());
        Assert.Equal([(ushort)0, ushort.MaxValue], Read("uint16_2.npy", [2]).ToArray<ushort>());
        Assert.Equal([0u, uint.MaxValue], Read("uint32_2.npy", [2]).ToArray<uint>());
        Assert.Equal([0ul, ulong.MaxValue], Read("uint64_2.npy", [2]).ToArray<ulong>());
        Assert.Equal([short.MinValue, short.MaxValue], Read("int16_2.npy", [2]).ToArray<short>());
        Assert.Equal([int.MinValue, int.MaxValue], Read("int32_2.npy", [2]).ToArray<int>());
    }

    [Theory]
    [MemberData(nameof(NumpyWrittenFiles))]
    public void Writes_exactly_the_bytes_numpy_writes(string file)
    {
        var numpyBytes = File.ReadAllBytes(Path.Combine(TestData, file));
        var tensor = NpyFile.Read(new MemoryStream(numpyBytes));
        using var written = new MemoryStream();

        NpyFile.Write(written, tensor);

        Assert.Equal(numpyBytes, written.ToArray());
    }

    [Fact]
    public void Reads_format_versions_2_and_3_byte_strings_and_big_endian_data()
    {
        Assert.Equal(2, File.ReadAllBytes(Path.Combine(TestData, "float32_v2.npy"))[6]);
        Assert.Equal(3, File.ReadAllBytes(Path.Combine(TestData, "float32_v3.npy"))[6]);
        Assert.Equal([1f, 2f], Read("float32_v2.npy", [2]).ToArray<float>());
        Assert.Equal([1f, 2f], Read("float32_v3.npy", [2]).ToArray<float>());
        Assert.Equal(["ab", "c"], Read("bytes_2.npy", [2]).ToArray<string>());
        Assert.Equal([1, -2, 70000], Read("big_endian_int32_3.npy", [3]).ToArray<int>());
    }

    [Fact]
    public void Fortran_order_is_MB5033()
    {
        var error = Assert.Throws<InvalidNpyException>(() => NpyFile.Read(Path.Combine(TestData, "fortran_2x3.npy")));

        Assert.StartsWith(
            "MB5033: The .npy array (shape [2,3]) is stored in Fortran (column-major) order",
            error.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("object_2.npy", "'|O'")]
    [InlineData("complex64_1.npy", "'<c8'")]
    public void Object_and_complex_arrays_are_MB5034(string file, string descr)
    {
        var error = Assert.Throws<InvalidNpyException>(() => NpyFile.Read(Path.Combine(TestData, file)));

        Assert.StartsWith($"MB5034: The .npy dtype {descr} is not supported. Object arrays ('O')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Structured_dtypes_are_MB5034()
    {
        var error = Assert.Throws<InvalidNpyException>(() => NpyFile.Read(
            new MemoryStream(Npy(1, "{'descr': [('a', '<i4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[8]))));

        Assert.StartsWith(
            "MB5034: The .npy dtype 'structured [('a', '<i4'), ('b', '<f4')]' is not supported.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Not_npy_and_unknown_versions_are_MB5030_and_MB5031()
    {
        var notNpy = Assert.Throws<InvalidNpyException>(() => NpyFile.Read(new MemoryStream("PK\u0003\u0004 not numpy"u8.ToArray())));
        var future = Assert.Throws<InvalidNpyException>(() => NpyFile.Read(new MemoryStream(Npy(4, "{}", []))));

        Assert.StartsWith("MB5030: The stream is not a .npy file", notNpy.Message, StringComparison.Ordinal);
        Assert.StartsWith("MB5031: .npy format version 4.0 is not supported", future.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'shape': (2,), }", "it must have the keys")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }", "a ',' or ')' is missing")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "'fortran_order' must be True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "negative dimension")]
    [InlineData("__import__('os').system('x')", "is not a value numpy writes")]
    public void Malformed_headers_are_MB5032(string header, string detail)
    {
        var error = Assert.Throws<InvalidNpyException>(() => NpyFile.Read(new MemoryStream(Npy(1, header, new byte[8]))));

        Assert.StartsWith("MB5032: The .npy header is malformed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_data_is_MB5035()
    {
        var error = Assert.Throws<InvalidNpyException>(
            () => NpyFile.Read(new MemoryStream(Npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", new byte[20]))));

        Assert.StartsWith("MB5035: The .npy data is truncated: 24 bytes expected, 20 found.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_code_points_are_MB5036()
    {
        byte[] surrogate = [0x00, 0xD8, 0x00, 0x00];
        var error = Assert.Throws<InvalidNpyException>(
            () => NpyFile.Read(new MemoryStream(Npy(1, "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }", surrogate))));

        Assert.StartsWith("MB5036: String element 0 of the .npy array is not valid text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllElementTypes))]
    public void Every_element_type_round_trips(TensorElementType type)
    {
        var tensor = SampleTensors.Create(type, [2, 3]);
        using var stream = new MemoryStream();

        NpyFile.Write(stream, tensor);
        stream.Position = 0;
        var back = NpyFile.Read(stream);

        Assert.Equal(type, back.ElementType);
        Assert.Equal([2L, 3L], back.Shape);
        Assert.Equal(stream.Length, stream.Position);
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
    public void Bfloat16_is_written_with_the_ml_dtypes_name_and_64_byte_aligned_data()
    {
        using var stream = new MemoryStream();

        NpyFile.Write(stream, Tensor.Create(new[] { (BFloat16)1f, (BFloat16)(-2f) }, [2]));

        var bytes = stream.ToArray();
        Assert.Contains("'descr': 'bfloat16'", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        var dataStart = bytes.Length - 4;
        Assert.Equal(0, dataStart % 64);
        Assert.Equal((byte)'\n', bytes[dataStart - 1]);
        Assert.Equal([(BFloat16)1f, (BFloat16)(-2f)], NpyFile.Read(new MemoryStream(bytes)).ToArray<BFloat16>());
    }

    [Fact]
    public void Files_on_disk_read_and_write_through_paths()
    {
        using var temp = new Imaging.TempFolder();
        var path = Path.Combine(temp.Path, "x.npy");

        NpyFile.Write(path, Tensor.Create(new float[] { 1, 2, 3, 4 }, [2, 2]));

        Assert.Equal(File.ReadAllBytes(path), Write(NpyFile.Read(path)));
        Assert.Equal([1f, 2f, 3f, 4f], NpyFile.Read(path).ToArray<float>());
    }

    public static TheoryData<TensorElementType> AllElementTypes => new(SampleTensors.AllTypes);

    private static Tensor Read(string file, long[] shape)
    {
        var tensor = NpyFile.Read(Path.Combine(TestData, file));
        Assert.Equal(shape, tensor.Shape);
        return tensor;
    }

    private static byte[] Write(Tensor tensor)
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, tensor);
        return stream.ToArray();
    }

    /// <summary>A hand-made .npy: magic, version, 2- or 4-byte header length, header, data.</summary>
    private static byte[] Npy(int major, string header, byte[] data)
    {
        var text = Encoding.Latin1.GetBytes(header + "\n");
        var lengthSize = major == 1 ? 2 : 4;
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        bytes.AddRange(lengthSize == 2 ? BitConverter.GetBytes((ushort)text.Length) : BitConverter.GetBytes((uint)text.Length));
        bytes.AddRange(text);
        bytes.AddRange(data);
        return [.. bytes];
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ModelBuild.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ModelBuild.sln not found above the test folder.");
    }
}
