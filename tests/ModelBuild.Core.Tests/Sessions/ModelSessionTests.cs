using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Core.Tests.Cache;
using ModelBuild.Imaging.Tests;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Tests.Sessions;

public sealed class ModelSessionTests
{
    public static TheoryData<TensorElementType> AllElementTypes => new(SampleTensors.AllTypes);

    public static TheoryData<TensorElementType> NumericElementTypes
        => new(SampleTensors.AllTypes.Where(t => t != TensorElementType.String));

    [Fact]
    public void The_engine_loads_the_native_library_of_the_Microsoft_ML_OnnxRuntime_package_it_references()
    {
        // The version pinned in Directory.Packages.props: a system-wide or stray library would report another.
        Assert.Equal("1.32.0", OnnxRuntimeLibrary.Version);
    }

    [Fact]
    public void Relu_runs_on_float_tensors_from_bytes()
    {
        using var session = new ModelSession(SessionTestModels.Relu());
        float[] x = [-2f, -0.5f, 0f, 3.25f, 1f, -1f, 7f, -7f];

        var outputs = session.Run([new NamedTensor("x", Tensor.Create(x, [2, 4]))]);

        var y = Assert.Single(outputs);
        Assert.Equal("y", y.Name);
        Assert.Equal(TensorElementType.Float, y.Value.ElementType);
        Assert.Equal([2L, 4L], y.Value.Shape);
        Assert.Equal(x.Select(v => Math.Max(v, 0f)).ToArray(), y.Value.ToArray<float>());
    }

    [Fact]
    public void Session_from_a_file_path_runs_like_one_from_bytes()
    {
        using var temp = new TemporaryDirectory();
        var path = temp.Combine("relu model ü.onnx");
        File.WriteAllBytes(path, SessionTestModels.Relu());

        using var session = new ModelSession(path);
        var outputs = session.Run([new NamedTensor("x", Tensor.Create(new float[] { -1, 2, -3, 4 }, [1, 4]))]);

        Assert.Equal([0f, 2f, 0f, 4f], outputs[0].Value.ToArray<float>());
    }

    [Fact]
    public void Metadata_reports_names_types_dynamic_dimensions_and_symbols()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());

        Assert.Equal(["a", "b"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["sum", "shape", "cast"], session.Outputs.Select(o => o.Name));

        var a = session.Inputs[0];
        Assert.Equal(TensorElementType.Float, a.ElementType);
        Assert.Equal([-1L, 3L], a.Shape);
        Assert.Equal(["N", null], a.SymbolicShape);
        Assert.Equal(OnnxValueKind.Tensor, a.Kind);
        Assert.True(a.HasShape);

        var b = session.Inputs[1];
        Assert.Equal(TensorElementType.Int64, b.ElementType);
        Assert.Equal([2L], b.Shape);
        Assert.Equal([null], b.SymbolicShape);

        Assert.Equal(
            [TensorElementType.Float, TensorElementType.Int64, TensorElementType.Float],
            session.Outputs.Select(o => o.ElementType));
        Assert.Equal([-1L, 3L], session.Outputs[0].Shape);
        Assert.Equal("a: float32[N,3]", a.ToString());
    }

    [Theory]
    [MemberData(nameof(AllElementTypes))]
    public void Every_element_type_round_trips_through_the_native_side(TensorElementType type)
    {
        var input = SampleTensors.Create(type, [2, 3]);
        using var session = new ModelSession(SessionTestModels.Identity(type, 2, 3));

        var output = session.Run([new NamedTensor("x", input)])[0].Value;

        Assert.Equal(type, output.ElementType);
        Assert.Equal([2L, 3L], output.Shape);
        if (type == TensorElementType.String)
        {
            Assert.Equal(input.ToArray<string>(), output.ToArray<string>());
        }
        else
        {
            Assert.Equal(input.AsBytes().ToArray(), output.AsBytes().ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(NumericElementTypes))]
    public void Every_numeric_element_type_means_the_same_value_to_ORT(TensorElementType type)
    {
        // Cast to double makes ORT interpret each element; a wrong type mapping would change the numbers.
        var input = SampleTensors.Create(type, [6]);
        var model = SessionTestModels.Build(
            [SessionTestModels.Node("Cast", ["x"], ["y"], SessionTestModels.IntAttribute("to", (long)TensorElementType.Double))],
            [SessionTestModels.Value("x", type, 6)],
            [SessionTestModels.Value("y", TensorElementType.Double, 6)]);
        using var session = new ModelSession(model);

        var output = session.Run([new NamedTensor("x", input)])[0].Value.ToArray<double>();

        Assert.Equal(SampleTensors.AsDoubles(input), output);
    }

    [Fact]
    public void Scalars_and_empty_tensors_cross_the_boundary()
    {
        using (var scalar = new ModelSession(SessionTestModels.Identity(TensorElementType.Int64)))
        {
            var output = scalar.Run([new NamedTensor("x", Tensor.Create(new long[] { 42 }, []))])[0].Value;
            Assert.Empty(output.Shape);
            Assert.Equal([42L], output.ToArray<long>());
        }

        using (var empty = new ModelSession(SessionTestModels.Identity(TensorElementType.Float, "n", 3)))
        {
            var output = empty.Run([new NamedTensor("x", Tensor.Create(Array.Empty<float>(), [0, 3]))])[0].Value;
            Assert.Equal([0L, 3L], output.Shape);
            Assert.Empty(output.ToArray<float>());
        }

        using (var emptyStrings = new ModelSession(SessionTestModels.Identity(TensorElementType.String, "n")))
        {
            var output = emptyStrings.Run([new NamedTensor("x", Tensor.Create(Array.Empty<string>(), [0]))])[0].Value;
            Assert.Equal([0L], output.Shape);
            Assert.Empty(output.ToArray<string>());
        }
    }

    [Fact]
    public void Multiple_inputs_and_outputs_come_back_in_model_order()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());
        var a = Tensor.Create(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = Tensor.Create(new long[] { 7, -8 }, [2]);

        // Inputs in a different order than the model's.
        var outputs = session.Run([new NamedTensor("b", b), new NamedTensor("a", a)]);

        Assert.Equal(["sum", "shape", "cast"], outputs.Select(o => o.Name));
        Assert.Equal([2f, 4f, 6f, 8f, 10f, 12f], outputs[0].Value.ToArray<float>());
        Assert.Equal([2L, 3L], outputs[1].Value.ToArray<long>());
        Assert.Equal([7f, -8f], outputs[2].Value.ToArray<float>());
    }

    [Fact]
    public void A_chosen_subset_of_outputs_comes_back_in_the_order_asked()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());
        var a = Tensor.Create(new float[] { 1, 2, 3 }, [1, 3]);
        var b = Tensor.Create(new long[] { 1, 2 }, [2]);

        var outputs = session.Run([new NamedTensor("a", a), new NamedTensor("b", b)], ["cast", "sum"]);

        Assert.Equal(["cast", "sum"], outputs.Select(o => o.Name));
        Assert.Equal([1f, 2f], outputs[0].Value.ToArray<float>());
        Assert.Equal([2f, 4f, 6f], outputs[1].Value.ToArray<float>());
    }

    [Fact]
    public void Outputs_read_in_place_equal_the_copies_and_come_in_the_order_asked()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());
        NamedTensor[] inputs = [new("a", Tensor.Create(new float[] {
            1,
            2,
            3,
            4,
            5,
            6 }, [2, 3])), new("b", Tensor.Create(new long[] { 7, -8 }, [2]))];
        var copies = session.Run(inputs, ["cast", "shape", "sum"]);
        var seen = new List<(string Name, long[] Shape, TensorElementType Type, float[]? Floats, long[]? Longs)>();

        session.Run(inputs, ["cast", "shape", "sum"], values => seen.AddRange(values.Select(v =>
        {
            var info = v.Value.GetTensorTypeAndShape();
            var type = (TensorElementType)(int)info.ElementDataType;
            return (
                v.Name,
                info.Shape,
                type,
                type == TensorElementType.Float ? v.Value.GetTensorDataAsSpan<float>().ToArray() : null,
                type == TensorElementType.Int64 ? v.Value.GetTensorDataAsSpan<long>().ToArray() : null);
        })));

        Assert.Equal(copies.Select(c => c.Name), seen.Select(v => v.Name));
        Assert.Equal(copies.Select(c => c.Value.Shape.ToArray()), seen.Select(v => v.Shape));
        Assert.Equal(copies[0].Value.ToArray<float>(), seen[0].Floats);
        Assert.Equal(copies[1].Value.ToArray<long>(), seen[1].Longs);
        Assert.Equal(copies[2].Value.ToArray<float>(), seen[2].Floats);
        Assert.Equal(TensorElementType.Int64, seen[1].Type);
    }

    [Fact]
    public void An_output_read_in_place_refuses_the_wrong_element_type()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());
        NamedTensor[] inputs = [new("a", Tensor.Create(new float[] {
            1,
            2,
            3 }, [1, 3])), new("b", Tensor.Create(new long[] { 1, 2 }, [2]))];

        var wrongType = Record.Exception(() => session.Run(inputs, ["sum"], values => values[0].Value.GetTensorDataAsSpan<double>()));

        Assert.NotNull(wrongType);
    }

    [Fact]
    public void An_input_without_a_declared_shape_takes_any_shape_and_so_does_a_declared_scalar()
    {
        var model = SessionTestModels.Build(
            [SessionTestModels.Node("Relu", ["free"], ["y"]), SessionTestModels.Node("Neg", ["scalar"], ["z"])],
            [SessionTestModels.ShapelessValue("free", TensorElementType.Float), SessionTestModels.Value("scalar", TensorElementType.Float)],
            [SessionTestModels.ShapelessValue("y", TensorElementType.Float), SessionTestModels.Value("z", TensorElementType.Float)]);
        using var session = new ModelSession(model);
        Assert.False(session.Inputs[0].HasShape);
        Assert.Equal("free: float32 (any shape)", session.Inputs[0].ToString());

        var outputs = session.Run(
        [
            new NamedTensor("free", Tensor.Create(new float[] { -1, 2, -3, 4, -5, 6 }, [2, 3])),
            new NamedTensor("scalar", Tensor.Create(new float[] { 5 }, [])),
        ]);
        Assert.Equal([2L, 3L], outputs[0].Value.Shape);
        Assert.Equal([-5f], outputs[1].Value.ToArray<float>());

        // ORT's managed metadata reports a declared scalar like a value of no declared shape, and ORT runs
        // this model on a [1] as well, so a scalar input is not checked for its rank.
        Assert.False(session.Inputs[1].HasShape);
        var lenient = session.Run(
        [
            new NamedTensor("free", Tensor.Create(new float[] { 1 }, [1])),
            new NamedTensor("scalar", Tensor.Create(new float[] { 5 }, [1])),
        ]);
        Assert.Equal([-5f], lenient[1].Value.ToArray<float>());
    }

    [Fact]
    public void Unknown_input_name_is_MB5010_listing_the_inputs()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());

        var error = Assert.Throws<CodedArgumentException>(() => session.Run([new NamedTensor("c", Tensor.Create(new float[] { 1 }, [1]))]));

        Assert.StartsWith(
            "MB5010: 'c' is not an input of the model. Its inputs are: a: float32[N,3], b: int64[2].",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_input_is_MB5011()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());

        var error = Assert.Throws<CodedArgumentException>(
            () => session.Run([new NamedTensor("a", Tensor.Create(new float[] { 1, 2, 3 }, [1, 3]))]));

        Assert.StartsWith(
            "MB5011: Input 'b' was not given. The model needs: a: float32[N,3], b: int64[2].",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_element_type_is_MB5012_naming_expected_and_given()
    {
        using var session = new ModelSession(SessionTestModels.Relu());

        var error = Assert.Throws<CodedArgumentException>(
            () => session.Run([new NamedTensor("x", Tensor.Create(new double[] { 1, 2, 3, 4 }, [1, 4]))]));

        Assert.StartsWith(
            "MB5012: Input 'x' must be a float32 tensor, but a float64 tensor was given.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 4 }, "[4]")]
    [InlineData(new long[] { 1, 5 }, "[1,5]")]
    [InlineData(new long[] { 1, 2, 2 }, "[1,2,2]")]
    public void Wrong_shape_is_MB5013_naming_expected_and_given(long[] shape, string given)
    {
        using var session = new ModelSession(SessionTestModels.Relu());
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);

        var error = Assert.Throws<CodedArgumentException>(
            () => session.Run([new NamedTensor("x", Tensor.Create(new float[count], shape))]));

        Assert.StartsWith(
            $"MB5013: Input 'x' must have shape [batch,4] (-1 = any size), but shape {given} was given.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Same_input_twice_is_MB5014()
    {
        using var session = new ModelSession(SessionTestModels.Relu());
        var x = Tensor.Create(new float[4], [1, 4]);

        var error = Assert.Throws<CodedArgumentException>(() => session.Run([new NamedTensor("x", x), new NamedTensor("x", x)]));

        Assert.StartsWith("MB5014: Input 'x' was given more than once.", error.Message, StringComparison.Ordinal);
        Assert.Equal(("MB5014", "Input 'x' was given more than once."), (error.Code, error.Reason));
    }

    [Fact]
    public void Unknown_or_repeated_output_names_are_MB5015_and_MB5017()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());
        NamedTensor[] inputs = [new("a", Tensor.Create(new float[3], [1, 3])), new("b", Tensor.Create(new long[2], [2]))];

        var unknown = Assert.Throws<CodedArgumentException>(() => session.Run(inputs, ["sum", "h0"]));
        var repeated = Assert.Throws<CodedArgumentException>(() => session.Run(inputs, ["sum", "sum"]));

        Assert.StartsWith(
            "MB5015: 'h0' is not an output of the model. Its outputs are: sum: float32[N,3], shape: int64[2], cast: float32[2].",
            unknown.Message,
            StringComparison.Ordinal);
        Assert.StartsWith("MB5017: Output 'sum' was requested more than once.", repeated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_tensor_outputs_are_MB5016_unless_left_out()
    {
        using var session = new ModelSession(SessionTestModels.SequenceOutput());
        NamedTensor[] inputs = [new("x", Tensor.Create(new float[] { 1, 2 }, [2]))];
        Assert.Equal(OnnxValueKind.Sequence, session.Outputs[0].Kind);
        Assert.Equal("y: sequence", session.Outputs[0].ToString());

        var error = Assert.Throws<CodedNotSupportedException>(() => session.Run(inputs));
        var tensorsOnly = session.Run(inputs, ["z"]);

        Assert.StartsWith("MB5016: Output 'y' is a sequence, not a tensor", error.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2f], tensorsOnly[0].Value.ToArray<float>());
    }

    [Fact]
    public void Errors_from_ORT_during_a_run_carry_its_code()
    {
        // Reshape to a shape with the wrong element count passes our checks but fails inside ORT.
        var model = SessionTestModels.Build(
            [SessionTestModels.Node("Reshape", ["x", "shape"], ["y"])],
            [SessionTestModels.Value("x", TensorElementType.Float, "n"), SessionTestModels.Value("shape", TensorElementType.Int64, 1)],
            [SessionTestModels.ShapelessValue("y", TensorElementType.Float)]);
        using var session = new ModelSession(model, new ModelSessionOptions { LogSeverity = RuntimeLogSeverity.Fatal });

        var error = Assert.Throws<OnnxRuntimeErrorException>(() => session.Run(
        [
            new NamedTensor("x", Tensor.Create(new float[6], [6])),
            new NamedTensor("shape", Tensor.Create(new long[] { 4 }, [1])),
        ]));

        Assert.StartsWith("MB5004: ONNX Runtime could not run the model: ", error.Message, StringComparison.Ordinal);
        Assert.NotEqual("Ok", error.ErrorCode);
        Assert.Contains("Reshape", error.NativeMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_after_dispose_throws_ObjectDisposedException()
    {
        var session = new ModelSession(SessionTestModels.Relu());
        session.Dispose();
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run([new NamedTensor("x", Tensor.Create(new float[4], [1, 4]))]));
    }

    [Fact]
    public void Concurrent_runs_on_one_session_each_get_their_own_answer()
    {
        using var session = new ModelSession(SessionTestModels.TwoInThreeOut());
        var failures = 0;

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (var i = 0; i < 200; i++)
            {
                var rows = 1 + ((worker + i) % 5);
                var a = Enumerable.Range(0, rows * 3).Select(v => (float)((worker * 1000) + i + v)).ToArray();
                var outputs = session.Run(
                    [
                        new NamedTensor("a", Tensor.Create(a, [rows, 3])),
                        new NamedTensor("b", Tensor.Create(new long[] { worker, i }, [2])),
                    ],
                    ["sum", "cast"]);
                var expectedSum = a.Select(v => v + v).ToArray();
                if (!outputs[0].Value.ToArray<float>().SequenceEqual(expectedSum)
                    || !outputs[1].Value.ToArray<float>().SequenceEqual([worker, i]))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }

    [Fact]
    public void A_cancelled_token_stops_a_run_in_progress()
    {
        // The loop runs for long.MaxValue iterations: only cancellation can end this run.
        using var session = new ModelSession(
            SessionTestModels.EndlessLoop(),
            new ModelSessionOptions { LogSeverity = RuntimeLogSeverity.Fatal });
        using var cancellation = new CancellationTokenSource();
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(50));

        Assert.ThrowsAny<OperationCanceledException>(
            () => session.Run([new NamedTensor("x", Tensor.Create(new float[] { 1 }, [1]))], cancellationToken: cancellation.Token));
    }

    [Fact]
    public void An_already_cancelled_token_never_reaches_ORT()
    {
        using var session = new ModelSession(SessionTestModels.Relu());

        Assert.ThrowsAny<OperationCanceledException>(() => session.Run(
            [new NamedTensor("x", Tensor.Create(new float[4], [1, 4]))],
            cancellationToken: new CancellationToken(canceled: true)));
    }
}
