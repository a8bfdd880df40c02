using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;
using Xunit.Abstractions;
using BFloat16 = ModelBuild.Tensors.BFloat16;

namespace ModelBuild.Core.Tests.Sessions;

/// <summary>
/// Runs every ONNX backend node test case (Debian's libonnx-testdata) through the engine's <see cref="ModelSession"/>
/// on Microsoft.ML.OnnxRuntime (cases with sequence or optional values through ORT's own values) and compares
/// the outputs with ONNX's reference outputs. Every case that cannot run is listed in <see cref="ExpectedRefusals"/>
/// with its reason; any other case that is skipped (ORT refuses it) or unsupported fails the test.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OnnxBackendConformanceTests(ITestOutputHelper output)
{
    private const string NodeTestRoot = "/usr/share/libonnx-testdata/data/node";

    /// <summary>The number of cases that passed when this test was written (ORT 1.32.0, libonnx-testdata 1.12.0).</summary>
    private const int PassFloor = 885;

    private const double RelativeTolerance = 1e-3;
    private const double AbsoluteTolerance = 1e-5;

    /// <summary>
    /// Cases where ORT's answer differs from ONNX's reference by ORT's own design, each with the reason and,
    /// where one exists, a weaker check that still has to hold. ORT's own test suites exclude the same cases
    /// (onnxruntime/test/testdata/onnx_backend_test_series_filters.jsonc and the C# InferenceTest skip list).
    /// </summary>
    private static readonly Dictionary<string, Deviation> KnownOrtDeviations = new(StringComparer.Ordinal)
    {
        // Random generators: ORT's generator is not numpy's, so seeded or not the draws differ.
        ["test_bernoulli"] = Deviation.Random("Bernoulli draws from ORT's random generator, the reference from numpy's.", ZeroOrOne),
        ["test_bernoulli_double"] = Deviation.Random("Bernoulli draws from ORT's random generator, the reference from numpy's.", ZeroOrOne),
        ["test_bernoulli_expanded"] = Deviation.Random(
            "Bernoulli draws from ORT's random generator, the reference from numpy's.",
            ZeroOrOne),
        ["test_bernoulli_double_expanded"] = Deviation.Random(
            "Bernoulli draws from ORT's random generator, the reference from numpy's.",
            ZeroOrOne),
        ["test_bernoulli_seed"] = Deviation.Random(
            "Bernoulli draws from ORT's random generator, the reference from numpy's (the seed does not make them equal).",
            ZeroOrOne),
        ["test_bernoulli_seed_expanded"] = Deviation.Random(
            "Bernoulli draws from ORT's random generator, the reference from numpy's (the seed does not make them equal).",
            ZeroOrOne),
        ["test_training_dropout"] = Deviation.Random(
            "Training-mode Dropout masks come from ORT's random generator, the reference's from numpy's.",
            null),
        ["test_training_dropout_default"] = Deviation.Random(
            "Training-mode Dropout masks come from ORT's random generator, the reference's from numpy's.",
            null),
        ["test_training_dropout_default_mask"] = Deviation.Random(
            "Training-mode Dropout masks come from ORT's random generator, the reference's from numpy's.",
            null),
        ["test_training_dropout_mask"] = Deviation.Random(
            "Training-mode Dropout masks come from ORT's random generator, the reference's from numpy's.",
            null),

        // Float to string: ORT prints 9 significant digits ("0.60484552"), numpy the shortest round-trip text ("0.6048455").
        ["test_cast_FLOAT_to_STRING"] = new(
            "ORT formats floats with more digits than numpy's shortest repr; both texts must parse to the same float.",
            SameFloatText),
        ["test_castlike_FLOAT_to_STRING"] = new(
            "ORT formats floats with more digits than numpy's shortest repr; both texts must parse to the same float.",
            SameFloatText),
        ["test_castlike_FLOAT_to_STRING_expanded"] = new(
            "ORT formats floats with more digits than numpy's shortest repr; both texts must parse to the same float.",
            SameFloatText),

        // DFT/STFT: ORT computes in float32, the reference in float64; entries that are exactly 0 in the
        // reference carry float32 rounding noise relative to the transform's magnitude.
        ["test_dft"] = new(
            "float32 FFT rounding on entries that are 0 in the float64 reference; must agree within 1e-6 of the output's largest " +
                "magnitude.",
            MagnitudeRelative),
        ["test_dft_axis"] = new(
            "float32 FFT rounding on entries that are 0 in the float64 reference; must agree within 1e-6 of the output's largest " +
                "magnitude.",
            MagnitudeRelative),
        ["test_dft_inverse"] = new(
            "float32 FFT rounding on entries that are 0 in the float64 reference; must agree within 1e-6 of the output's largest " +
                "magnitude.",
            MagnitudeRelative),
        ["test_stft"] = new(
            "float32 FFT rounding on entries that are 0 in the float64 reference; must agree within 1e-6 of the output's largest " +
                "magnitude.",
            MagnitudeRelative),
        ["test_stft_with_window"] = new(
            "float32 FFT rounding on entries that are 0 in the float64 reference; must agree within 1e-6 of the output's largest " +
                "magnitude.",
            MagnitudeRelative),

        // ONNX 1.12's reference truncates float to bfloat16; ORT rounds to nearest even (as later ONNX references do).
        [
            "test_cast_FLOAT_to_BFLOAT16"] = new("ORT rounds float to bfloat16 to nearest even, the ONNX 1.12 reference truncates; " +
                "results must be at most one bfloat16 step apart.", OneBFloat16Step),

        // Listed by ORT itself as "results mismatch with onnx tests".
        ["test_resize_downsample_scales_cubic_align_corners"] = new(
            "ORT's align_corners downsampling differs from the reference (ORT lists it as a known mismatch).",
            null),
        ["test_resize_downsample_scales_linear_align_corners"] = new(
            "ORT's align_corners downsampling differs from the reference (ORT lists it as a known mismatch).",
            null),
        [
            "test_maxunpool_export_with_output_shape"] = new("ORT places the unpooled values in the larger output_shape differently from " +
                "the reference (ORT lists it as a known mismatch; onnx/onnx#2398).", null),
    };

    /// <summary>
    /// Every case that does not run, with why; any other case that is skipped or unsupported fails the test.
    /// A listed case that runs and matches is fine (e.g. the locale cases on a machine that has the locale).
    /// </summary>
    private static readonly Dictionary<string, string> ExpectedRefusals = new(StringComparer.Ordinal)
    {
        // Training operators of ai.onnx.preview.training: ORT's inference build has no kernels for them.
        ["test_adagrad"] = "ORT inference has no ai.onnx.preview.training kernels.",
        ["test_adagrad_multiple"] = "ORT inference has no ai.onnx.preview.training kernels.",
        ["test_adam"] = "ORT inference has no ai.onnx.preview.training kernels.",
        ["test_adam_multiple"] = "ORT inference has no ai.onnx.preview.training kernels.",
        ["test_momentum"] = "ORT inference has no ai.onnx.preview.training kernels.",
        ["test_momentum_multiple"] = "ORT inference has no ai.onnx.preview.training kernels.",
        ["test_nesterov_momentum"] = "ORT inference has no ai.onnx.preview.training kernels.",

        // ORT's CPU kernels lack these layouts and types.
        ["test_gru_batchwise"] = "ORT's CPU GRU does not support layout=1 (batchwise).",
        ["test_lstm_batchwise"] = "ORT's CPU LSTM does not support layout=1 (batchwise).",
        ["test_simple_rnn_batchwise"] = "ORT's CPU RNN does not support layout=1 (batchwise).",
        ["test_max_int16"] = "ORT's CPU Max has no int16 kernel.",
        ["test_max_uint16"] = "ORT's CPU Max has no uint16 kernel.",
        ["test_min_int16"] = "ORT's CPU Min has no int16 kernel.",
        ["test_min_uint16"] = "ORT's CPU Min has no uint16 kernel.",
        ["test_pow_types_float32_uint32"] = "ORT's CPU Pow has no uint32 exponent kernel.",
        ["test_pow_types_float32_uint64"] = "ORT's CPU Pow has no uint64 exponent kernel.",

        // StringNormalizer builds the en_US.UTF-8 locale, which a machine without generated locales lacks.
        ["test_strnormalizer_export_monday_casesensintive_lower"] = "needs the en_US.UTF-8 locale (Debian: locales).",
        ["test_strnormalizer_export_monday_casesensintive_upper"] = "needs the en_US.UTF-8 locale (Debian: locales).",
        ["test_strnormalizer_export_monday_empty_output"] = "needs the en_US.UTF-8 locale (Debian: locales).",
        ["test_strnormalizer_export_monday_insensintive_upper_twodim"] = "needs the en_US.UTF-8 locale (Debian: locales).",

        // ONNX 1.12's test data for these gives 'like' shape [1] where the model declares [3,4]; ORT rejects it as well.
        ["test_castlike_BFLOAT16_to_FLOAT"] = "the test data does not fit the model's declared input shape.",
        ["test_castlike_BFLOAT16_to_FLOAT_expanded"] = "the test data does not fit the model's declared input shape.",
        ["test_castlike_FLOAT_to_BFLOAT16"] = "the test data does not fit the model's declared input shape.",
        ["test_castlike_FLOAT_to_BFLOAT16_expanded"] = "the test data does not fit the model's declared input shape.",

        // The one sequence case the official API cannot feed.
        ["test_loop13_seq"] = "its input is an empty sequence, which ORT's API cannot create.",
    };

    private static readonly ModelSessionOptions CaseOptions = new()
    {
        LogSeverity = RuntimeLogSeverity.Fatal,
        IntraOpThreads = 1,
        InterOpThreads = 1,
    };

    [Fact]
    public void Every_node_test_case_matches_the_reference_outputs()
    {
        ModelBuild.Tests.DebianPackage.OnnxTestData.Require(NodeTestRoot);
        var stopwatch = Stopwatch.StartNew();
        var results = Directory.GetDirectories(NodeTestRoot)
            .Order(StringComparer.Ordinal)
            .Select(RunCase)
            .ToList();
        stopwatch.Stop();

        var byOutcome = results.ToLookup(r => r.Outcome);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{byOutcome[Outcome.Passed].Count()} passed / {byOutcome[Outcome.Failed].Count()} failed / " +
                $"{byOutcome[Outcome.Skipped].Count()} skipped / {byOutcome[Outcome.Unsupported].Count()} unsupported value kind / " +
                    $"{byOutcome[Outcome.KnownDeviation].Count()} known ORT deviations, of {results.Count} cases in " +
                        $"{stopwatch.Elapsed.TotalSeconds:F1} s"));
        foreach (var outcome in new[] { Outcome.Failed, Outcome.KnownDeviation, Outcome.Skipped, Outcome.Unsupported })
        {
            output.WriteLine("");
            output.WriteLine($"{outcome}:");
            foreach (var result in byOutcome[outcome])
            {
                output.WriteLine($"  {result.Name}: {result.Detail}");
            }
        }

        var failed = byOutcome[Outcome.Failed].Select(r => $"{r.Name}: {r.Detail}")
            .Concat(results.Where(r => r.Outcome is Outcome.Skipped or Outcome.Unsupported && !ExpectedRefusals.ContainsKey(r.Name))
                .Select(r => $"{r.Name}: not run and not listed as an expected refusal: {r.Detail}"))
            .ToList();
        Assert.True(failed.Count == 0, "Cases that disagree with the reference:\n" + string.Join("\n", failed));
        Assert.True(
            byOutcome[Outcome.Passed].Count() >= PassFloor,
            $"Only {byOutcome[Outcome.Passed].Count()} cases passed; at least {PassFloor} did before.");
    }

    private static CaseResult RunCase(string directory)
    {
        var name = Path.GetFileName(directory);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(directory, "model.onnx")));
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var fed = model.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (fed.Concat(model.Graph.Output).Any(v => v.Type.ValueCase != TypeProto.ValueOneofCase.TensorType))
        {
            return RunWithOrtValues(name, directory, fed, [.. model.Graph.Output]);
        }

        ModelSession session;
        try
        {
            session = new ModelSession(Path.Combine(directory, "model.onnx"), CaseOptions);
        }
        catch (OnnxRuntimeErrorException e)
        {
            return new CaseResult(name, Outcome.Skipped, "ORT refuses to load it: " + OneLine(e.NativeMessage));
        }

        using (session)
        {
            foreach (var dataSet in Directory.GetDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal))
            {
                var result = RunDataSet(name, session, dataSet);
                if (result is not null)
                {
                    return result;
                }
            }
        }

        return KnownOrtDeviations.TryGetValue(name, out var deviation) && !deviation.MayMatch
            ? new CaseResult(
                name,
                Outcome.Failed,
                "listed as a known ORT deviation but now matches the reference; remove it from the list (" + deviation.Reason + ")")
            : new CaseResult(name, Outcome.Passed, "");
    }

    private static CaseResult? RunDataSet(string name, ModelSession session, string dataSet)
    {
        List<NamedTensor> inputs;
        List<Tensor> expected;
        try
        {
            inputs = ReadTensors(dataSet, "input").Select(
                (t, i) => new NamedTensor(session.Inputs[i].Name, AsDeclared(t, session.Inputs[i]))).ToList();
            expected = ReadTensors(dataSet, "output").Select((t, j) => AsDeclared(t, session.Outputs[j])).ToList();
        }
        catch (DiagnosticException e)
        {
            return new CaseResult(name, Outcome.Unsupported, "test data: " + e.Diagnostic.Message);
        }

        IReadOnlyList<NamedTensor> actual;
        try
        {
            actual = session.Run(inputs);
        }
        catch (OnnxRuntimeErrorException e)
        {
            return new CaseResult(name, Outcome.Skipped, "ORT refuses to run it: " + OneLine(e.NativeMessage));
        }
        catch (CodedArgumentException e) when (e.Code == "MB5013")
        {
            // The test data does not fit the model's declared input shape. ORT rejects such inputs itself
            // ("Invalid rank for input"), so this is ORT refusing the case, caught one step earlier.
            return new CaseResult(
                name,
                Outcome.Skipped,
                "the test data does not fit the declared input shape, which ORT rejects too: " + e.Message);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return new CaseResult(name, Outcome.Failed, "the engine rejected the inputs: " + e.Message);
        }

        if (actual.Count != expected.Count)
        {
            return new CaseResult(name, Outcome.Failed, $"{actual.Count} outputs, {expected.Count} expected");
        }

        for (var j = 0; j < expected.Count; j++)
        {
            var difference = Compare(expected[j], actual[j].Value);
            if (difference is null)
            {
                continue;
            }

            var detail = $"output '{actual[j].Name}': {difference}";
            if (!KnownOrtDeviations.TryGetValue(name, out var deviation))
            {
                return new CaseResult(name, Outcome.Failed, detail);
            }

            var weakerCheck = deviation.Check?.Invoke(expected[j], actual[j].Value);
            return weakerCheck is null
                ? new CaseResult(name, Outcome.KnownDeviation, $"{deviation.Reason} ({detail})")
                : new CaseResult(name, Outcome.Failed, $"known ORT deviation, but its weaker check fails too: {weakerCheck} ({detail})");
        }

        return null;
    }

    /// <summary>
    /// A case with sequence or optional values, which the engine's tensor-only sessions do not exchange, run
    /// through ONNX Runtime's own values: a sequence becomes an <see cref="OrtValue"/> sequence, an optional
    /// is fed its contained value or left out when empty, and outputs are compared element by element.
    /// </summary>
    private static CaseResult RunWithOrtValues(string name, string directory, List<ValueInfoProto> inputs, List<ValueInfoProto> outputs)
    {
        InferenceSession session;
        using (var options = CaseOptions.CreateNative())
        {
            try
            {
                session = new InferenceSession(Path.Combine(directory, "model.onnx"), options);
            }
            catch (OnnxRuntimeException e)
            {
                return new CaseResult(name, Outcome.Skipped, "ORT refuses to load it: " + OneLine(e.Message));
            }
        }

        using (session)
        {
            foreach (var dataSet in Directory.GetDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal))
            {
                var owned = new List<IDisposable>();
                try
                {
                    var names = new List<string>();
                    var values = new List<OrtValue>();
                    for (var i = 0; i < inputs.Count; i++)
                    {
                        if (ToOrtValue(File.ReadAllBytes(Path.Combine(dataSet, $"input_{i}.pb")), inputs[i].Type, owned) is { } value)
                        {
                            names.Add(inputs[i].Name);
                            values.Add(value);
                        }
                    }

                    using var runOptions = new RunOptions();
                    using var results = session.Run(runOptions, names, values, [.. outputs.Select(o => o.Name)]);
                    for (var j = 0; j < outputs.Count; j++)
                    {
                        var difference = CompareValue(
                            File.ReadAllBytes(Path.Combine(dataSet, $"output_{j}.pb")),
                            outputs[j].Type,
                            results[j]);
                        if (difference is not null)
                        {
                            return new CaseResult(name, Outcome.Failed, $"output '{outputs[j].Name}': {difference}");
                        }
                    }
                }
                catch (OnnxRuntimeException e)
                {
                    return new CaseResult(name, Outcome.Skipped, "ORT refuses to run it: " + OneLine(e.Message));
                }
                catch (NotSupportedException e)
                {
                    return new CaseResult(name, Outcome.Unsupported, e.Message);
                }
                finally
                {
                    owned.ForEach(o => o.Dispose());
                }
            }
        }

        return new CaseResult(name, Outcome.Passed, "");
    }

    /// <summary>The value ORT is fed for one serialized test value; null for an empty optional, which is left out.</summary>
    private static OrtValue? ToOrtValue(byte[] serialized, TypeProto type, List<IDisposable> owned)
    {
        switch (type.ValueCase)
        {
            case TypeProto.ValueOneofCase.TensorType:
                return Owned(OrtTensors.ToOrtValue(TensorProtoConversion.ToTensor(TensorProto.Parser.ParseFrom(serialized))), owned);
            case TypeProto.ValueOneofCase.SequenceType:
                return Sequence(SequenceProto.Parser.ParseFrom(serialized), owned);
            case TypeProto.ValueOneofCase.OptionalType:
                var optional = OptionalProto.Parser.ParseFrom(serialized);
                return optional.TensorValue is { } tensor ? Owned(OrtTensors.ToOrtValue(TensorProtoConversion.ToTensor(tensor)), owned)
                    : optional.SequenceValue is { } sequence ? Sequence(sequence, owned)
                    : null;
            default:
                throw new NotSupportedException($"an input is {KindName(type.ValueCase)}, which the test data cannot express for ORT");
        }
    }

    private static OrtValue Sequence(SequenceProto sequence, List<IDisposable> owned)
    {
        if (sequence.TensorValues.Count == 0)
        {
            // ORT's API builds a sequence from its elements and has no way to make an empty one.
            throw new NotSupportedException(
                "an input is an empty sequence, which ORT's API cannot create (CreateValue: \"Number of values should be at least 1.\")");
        }

        var elements = sequence.TensorValues.Select(t => Owned(OrtTensors.ToOrtValue(TensorProtoConversion.ToTensor(t)), owned)).ToList();
        var value = OrtValue.CreateSequence(elements);
        owned.Add(value);
        return value;
    }

    private static OrtValue Owned(PinnedOrtValue value, List<IDisposable> owned)
    {
        owned.Add(value);
        return value.Value;
    }

    /// <summary>Null when the output equals the reference: tensors as <see cref="Compare"/> does, sequences element by element, optionals
    /// by presence and content.</summary>
    private static string? CompareValue(byte[] serialized, TypeProto type, OrtValue actual)
    {
        switch (type.ValueCase)
        {
            case TypeProto.ValueOneofCase.TensorType:
                return Compare(
                    TensorProtoConversion.ToTensor(TensorProto.Parser.ParseFrom(serialized)),
                    OrtTensors.ToTensor("output", actual));
            case TypeProto.ValueOneofCase.SequenceType:
                return CompareSequence(SequenceProto.Parser.ParseFrom(serialized), actual);
            case TypeProto.ValueOneofCase.OptionalType:
                var optional = OptionalProto.Parser.ParseFrom(serialized);
                var present = actual.OnnxType is OnnxValueType.ONNX_TYPE_TENSOR or OnnxValueType.ONNX_TYPE_SEQUENCE;
                return optional.TensorValue is { } tensor ? present
                    ? Compare(TensorProtoConversion.ToTensor(tensor), OrtTensors.ToTensor("output", actual))
                    : "empty, expected a tensor"
                    : optional.SequenceValue is { } sequence ? present ? CompareSequence(sequence, actual) : "empty, expected a sequence"
                    : present ? $"holds a {actual.OnnxType}, expected an empty optional" : null;
            default:
                return $"{KindName(type.ValueCase)} outputs are not compared";
        }
    }

    private static string? CompareSequence(SequenceProto expected, OrtValue actual)
    {
        if (actual.OnnxType != OnnxValueType.ONNX_TYPE_SEQUENCE)
        {
            return $"a {actual.OnnxType}, expected a sequence";
        }

        var count = actual.GetValueCount();
        if (count != expected.TensorValues.Count)
        {
            return $"{count} elements, expected {expected.TensorValues.Count}";
        }

        for (var k = 0; k < count; k++)
        {
            using var element = actual.GetValue(k, OrtAllocator.DefaultInstance);
            if (Compare(
                TensorProtoConversion.ToTensor(expected.TensorValues[k]),
                OrtTensors.ToTensor("element", element)) is { } difference)
            {
                return $"element {k}: {difference}";
            }
        }

        return null;
    }

    /// <summary>
    /// ONNX 1.12 saved bfloat16 test data as uint16 bit patterns (numpy has no bfloat16); read those bits as
    /// the bfloat16 values the model declares.
    /// </summary>
    private static Tensor AsDeclared(Tensor tensor, TensorInfo declared) =>
        declared.ElementType == TensorElementType.BFloat16 && tensor.ElementType == TensorElementType.UInt16
            ? Tensor.FromBytes(TensorElementType.BFloat16, tensor.AsBytes(), tensor.Shape.ToArray())
            : tensor;

    private static List<Tensor> ReadTensors(string dataSet, string prefix)
    {
        var tensors = new List<Tensor>();
        for (var i = 0; ; i++)
        {
            var path = Path.Combine(dataSet, $"{prefix}_{i}.pb");
            if (!File.Exists(path))
            {
                return tensors;
            }

            tensors.Add(TensorProtoConversion.ToTensor(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path))));
        }
    }

    /// <summary>Null when equal: floats within tolerance (NaN equals NaN), everything else exactly.</summary>
    internal static string? Compare(Tensor expected, Tensor actual)
    {
        if (expected.ElementType != actual.ElementType)
        {
            return $"element type {actual.ElementType}, expected {expected.ElementType}";
        }

        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            return $"shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]";
        }

        return expected.ElementType switch
        {
            TensorElementType.Float => CompareFloats(
                expected.ToArray<float>().Select(v => (double)v).ToArray(),
                actual.ToArray<float>().Select(v => (double)v).ToArray()),
            TensorElementType.Double => CompareFloats(expected.ToArray<double>(), actual.ToArray<double>()),
            TensorElementType.Float16 => CompareFloats(
                expected.ToArray<Half>().Select(v => (double)v).ToArray(),
                actual.ToArray<Half>().Select(v => (double)v).ToArray()),
            TensorElementType.BFloat16 => CompareFloats(
                expected.ToArray<BFloat16>().Select(v => (double)v.ToSingle()).ToArray(),
                actual.ToArray<BFloat16>().Select(v => (double)v.ToSingle()).ToArray()),
            TensorElementType.String => CompareExactly(expected.ToArray<string>(), actual.ToArray<string>()),
            _ => CompareExactly(expected.AsBytes().ToArray(), actual.AsBytes().ToArray()),
        };
    }

    private static string? CompareFloats(double[] expected, double[] actual)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            var equal = (double.IsNaN(e) && double.IsNaN(a))
                || e.Equals(a)
                || Math.Abs(a - e) <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(e));
            if (!equal)
            {
                return string.Create(CultureInfo.InvariantCulture, $"element {i} is {a:R}, expected {e:R}");
            }
        }

        return null;
    }

    private static string? CompareExactly<T>(T[] expected, T[] actual)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
            {
                return $"element {i} is {actual[i]}, expected {expected[i]}";
            }
        }

        return null;
    }

    private static string KindName(TypeProto.ValueOneofCase kind) => kind switch
    {
        TypeProto.ValueOneofCase.SequenceType => "a sequence",
        TypeProto.ValueOneofCase.OptionalType => "an optional",
        TypeProto.ValueOneofCase.MapType => "a map",
        TypeProto.ValueOneofCase.SparseTensorType => "a sparse tensor",
        _ => kind.ToString(),
    };

    private static string? ZeroOrOne(Tensor expected, Tensor actual)
    {
        var values = actual.ElementType == TensorElementType.Double
            ? actual.ToArray<double>()
            : actual.ToArray<float>().Select(v => (double)v).ToArray();
        var bad = Array.FindIndex(values, v => v is not (0.0 or 1.0));
        return bad < 0 ? null : string.Create(CultureInfo.InvariantCulture, $"element {bad} is {values[bad]}, not 0 or 1");
    }

    private static string? OneBFloat16Step(Tensor expected, Tensor actual)
    {
        BFloat16[] e = expected.ToArray<BFloat16>(), a = actual.ToArray<BFloat16>();
        for (var i = 0; i < e.Length; i++)
        {
            if (Math.Abs(e[i].RawValue - a[i].RawValue) > 1)
            {
                return $"element {i} is {a[i]}, more than one bfloat16 step from {e[i]}";
            }
        }

        return null;
    }

    private static string? SameFloatText(Tensor expected, Tensor actual)
    {
        string[] e = expected.ToArray<string>(), a = actual.ToArray<string>();
        for (var i = 0; i < e.Length; i++)
        {
            var same = float.TryParse(e[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                && float.TryParse(a[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                && (x.Equals(y) || (float.IsNaN(x) && float.IsNaN(y)));
            if (!same)
            {
                return $"element {i}: '{a[i]}' and '{e[i]}' are not the same float";
            }
        }

        return null;
    }

    private static string? MagnitudeRelative(Tensor expected, Tensor actual)
    {
        float[] e = expected.ToArray<float>(), a = actual.ToArray<float>();
        var bound = AbsoluteTolerance + (1e-6 * e.Max(v => Math.Abs(v)));
        for (var i = 0; i < e.Length; i++)
        {
            var error = Math.Abs((double)a[i] - e[i]);
            if (error > bound + (RelativeTolerance * Math.Abs(e[i])))
            {
                return string.Create(CultureInfo.InvariantCulture, $"element {i} is off by {error:G3}, more than {bound:G3}");
            }
        }

        return null;
    }

    private static string OneLine(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        var line = builder.ToString().Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    private enum Outcome
    {
        Passed,
        Failed,
        Skipped,
        Unsupported,
        KnownDeviation,
    }

    private sealed record CaseResult(string Name, Outcome Outcome, string Detail);

    /// <summary>Why ORT differs, and a weaker check (null when none applies) the outputs must still pass.</summary>
    private sealed record Deviation(string Reason, Func<Tensor, Tensor, string?>? Check)
    {
        /// <summary>Random outputs may match the reference by chance (e.g. a draw of all zeros).</summary>
        public bool MayMatch { get; init; }

        public static Deviation Random(string reason, Func<Tensor, Tensor, string?>? check) => new(reason, check) { MayMatch = true };
    }
}
