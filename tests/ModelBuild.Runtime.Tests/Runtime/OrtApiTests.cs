namespace ModelBuild.Runtime.Tests.Runtime;

/// <summary>
/// The binding finds each C API function by its index in the OrtApi table. These checks call functions
/// whose neighbours have the same signature, with inputs for which a shifted index gives a different answer.
/// </summary>
public sealed unsafe class OrtApiTests
{
    [Fact]
    public void Cpu_memory_info_reports_the_cpu_allocator_name()
    {
        var api = OnnxRuntimeLibrary.Api;
        byte* name;

        OrtStatusOrThrow(api.MemoryInfoGetName(OnnxRuntimeLibrary.CpuMemoryInfo.DangerousGetHandle(), &name));

        Assert.Equal("Cpu", new string((sbyte*)name));
    }

    [Fact]
    public void Input_and_output_counts_and_names_are_not_swapped()
    {
        using var session = new InferenceSession(TestModels.TwoInThreeOut());

        Assert.Equal(2, session.Inputs.Count);
        Assert.Equal(3, session.Outputs.Count);
        Assert.Equal("b", session.Inputs[1].Name);
        Assert.Equal("cast", session.Outputs[2].Name);
    }

    [Fact]
    public void Dimension_count_and_element_count_are_told_apart()
    {
        // Shape [2,3,4]: 3 dimensions, 24 elements; neighbouring functions would confuse the two.
        using var session = new InferenceSession(TestModels.Identity(TensorElementType.Int32, 2, 3, 4));
        var input = Tensor.Create(Enumerable.Range(0, 24).ToArray(), [2, 3, 4]);

        var output = session.Run([new NamedTensor("x", input)])[0].Value;

        Assert.Equal([2L, 3L, 4L], output.Shape);
        Assert.Equal(24, output.ElementCount);
        Assert.Equal(Enumerable.Range(0, 24), output.ToArray<int>());
    }

    [Fact]
    public void Native_errors_carry_ORT_code_and_message()
    {
        // An invalid model: ORT must answer with a status whose code and message we read and release.
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession([1, 2, 3, 4, 5]));

        Assert.Equal(OnnxRuntimeErrorCode.InvalidProtobuf, error.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(error.NativeMessage));
        Assert.StartsWith("MB5004: ONNX Runtime could not load the model (5 bytes): InvalidProtobuf: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.NativeMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_model_file_is_ORTs_no_such_file()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "absent.onnx");

        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(path));

        Assert.Equal(OnnxRuntimeErrorCode.NoSuchFile, error.ErrorCode);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static void OrtStatusOrThrow(nint status) => OrtStatus.Check(status, "test call");
}
