using Microsoft.ML.OnnxRuntime;
using ModelBuild.Core.Onnx;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Sessions;

/// <summary>
/// A model loaded into ONNX Runtime (Microsoft.ML.OnnxRuntime) for the engine's own runs: validation,
/// calibration, accuracy checks and <c>modelbuild infer</c>. Inputs are checked against the model before
/// they reach ONNX Runtime, and ORT's errors become coded messages (MB5004). Runs may overlap one another,
/// but not <see cref="Dispose"/>.
/// </summary>
public sealed class ModelSession : IDisposable
{
    // Never changed, so concurrent runs that cannot be cancelled may share it.
    private static readonly RunOptions Uncancellable = new();

    private readonly InferenceSession _session;
    private readonly TensorInfo[] _inputs;
    private readonly TensorInfo[] _outputs;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private int _disposed;

    /// <summary>Loads a model from its bytes (ONNX or ORT format).</summary>
    /// <exception cref="OnnxRuntimeErrorException">ONNX Runtime refused the model or an option.</exception>
    /// <exception cref="DllNotFoundException">MB5050: ONNX Runtime cannot be loaded.</exception>
    public ModelSession(byte[] model, ModelSessionOptions? options = null)
        : this(Load(
            options,
            native => new InferenceSession(model ?? throw new ArgumentNullException(nameof(model)), native),
            $"load the model ({model?.Length ?? 0} bytes)"))
    {
    }

    /// <summary>Loads a model file (ONNX or ORT format); external data is found beside it.</summary>
    /// <exception cref="OnnxRuntimeErrorException">The file is missing or ONNX Runtime refused the model or an option.</exception>
    /// <exception cref="DllNotFoundException">MB5050: ONNX Runtime cannot be loaded.</exception>
    public ModelSession(string modelPath, ModelSessionOptions? options = null)
        : this(Load(
            options,
            native => new InferenceSession(Path.GetFullPath(modelPath), native),
            $"load the model '{Path.GetFullPath(modelPath)}'"))
    {
    }

    private ModelSession(InferenceSession session)
    {
        _session = session;
        _inputs = [.. session.InputNames.Select(n => Describe(n, session.InputMetadata[n]))];
        _outputs = [.. session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n]))];
        _inputIndex = Index(_inputs);
        _outputIndex = Index(_outputs);
    }

    /// <summary>The model's inputs, in the model's order.</summary>
    public IReadOnlyList<TensorInfo> Inputs => _inputs;

    /// <summary>The model's outputs, in the model's order.</summary>
    public IReadOnlyList<TensorInfo> Outputs => _outputs;

    /// <summary>Runs the model; the results are new tensors that own their data.</summary>
    /// <param name="inputs">Every model input exactly once, in any order.</param>
    /// <param name="outputNames">The outputs to compute, in the order wanted; null for all of them in model order.
    /// Asking for fewer lets ORT skip work that only feeds the others.</param>
    /// <param name="cancellationToken">Stops a run in progress (ORT checks it between operators).</param>
    /// <returns>The requested outputs, in the requested order.</returns>
    /// <exception cref="ArgumentException">MB5010–MB5017: an input is unknown, missing, repeated or of the wrong type or shape, or an
    /// output is unknown or repeated.</exception>
    /// <exception cref="NotSupportedException">MB5016/MB5024: an input or output is not a tensor, or of an element type the engine does not
    /// handle.</exception>
    /// <exception cref="OnnxRuntimeErrorException">ONNX Runtime failed to run the model.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public IReadOnlyList<NamedTensor> Run(
        IReadOnlyList<NamedTensor> inputs,
        IReadOnlyList<string>? outputNames = null,
        CancellationToken cancellationToken = default)
    {
        var names = SelectOutputs(outputNames);
        using var results = RunCore(inputs, names, cancellationToken);
        var tensors = new NamedTensor[names.Count];
        var j = 0;
        foreach (var value in results)
        {
            tensors[j] = new NamedTensor(names[j], OrtTensors.ToTensor(names[j], value));
            j++;
        }

        return tensors;
    }

    /// <summary>
    /// Runs the model and hands <paramref name="visit"/> the requested outputs in ONNX Runtime's memory,
    /// without copying them: for reading large outputs once (calibration statistics). The values are
    /// released when <paramref name="visit"/> returns.
    /// </summary>
    /// <inheritdoc cref="Run(IReadOnlyList{NamedTensor}, IReadOnlyList{string}?, CancellationToken)"/>
    public void Run(
        IReadOnlyList<NamedTensor> inputs,
        IReadOnlyList<string> outputNames,
        Action<IReadOnlyList<OutputValue>> visit,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(visit);
        var names = SelectOutputs(outputNames);
        using var results = RunCore(inputs, names, cancellationToken);
        visit([.. results.Select((value, j) => new OutputValue(names[j], value))]);
    }

    /// <summary>Releases the native session; later runs throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _session.Dispose();
        }
    }

    private IDisposableReadOnlyCollection<OrtValue> RunCore(
        IReadOnlyList<NamedTensor> inputs,
        IReadOnlyList<string> outputNames,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        // The managed session does not guard its native handle after Dispose.
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ValidateInputs(inputs);
        cancellationToken.ThrowIfCancellationRequested();
        var values = new List<PinnedOrtValue>(inputs.Count);
        var runOptions = cancellationToken.CanBeCanceled ? new RunOptions() : Uncancellable;
        try
        {
            foreach (var input in inputs)
            {
                values.Add(OrtTensors.ToOrtValue(input.Value));
            }

            using var registration = cancellationToken.CanBeCanceled
                ? cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions)
                : default;
            return _session.Run(runOptions, [.. inputs.Select(i => i.Name)], [.. values.Select(v => v.Value)], outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxRuntimeErrorException("run the model", e);
        }
        finally
        {
            // The run's outputs are ORT's own memory; the inputs pointed into pinned managed arrays until now.
            foreach (var value in values)
            {
                value.Dispose();
            }

            if (!ReferenceEquals(runOptions, Uncancellable))
            {
                runOptions.Dispose();
            }
        }
    }

    private void ValidateInputs(IReadOnlyList<NamedTensor> inputs)
    {
        var given = new bool[_inputs.Length];
        foreach (var input in inputs)
        {
            if (input is null)
            {
                throw new ArgumentNullException(nameof(inputs), "An input is null.");
            }

            ArgumentNullException.ThrowIfNull(input.Value, nameof(inputs));
            if (input.Name is null || !_inputIndex.TryGetValue(input.Name, out var index))
            {
                throw new CodedArgumentException(
                    SessionDiagnostics.UnknownInput(input.Name ?? "(null)", Describe(_inputs)),
                    nameof(inputs));
            }

            if (given[index])
            {
                throw new CodedArgumentException(SessionDiagnostics.DuplicateInput(input.Name), nameof(inputs));
            }

            given[index] = true;
            var expected = _inputs[index];
            if (expected.Kind != OnnxValueKind.Tensor)
            {
                throw new CodedNotSupportedException(SessionDiagnostics.NotATensor("Input", expected.Name, expected.Kind));
            }

            if (input.Value.ElementType != expected.ElementType)
            {
                throw new CodedArgumentException(
                    SessionDiagnostics.InputElementTypeMismatch(expected.Name, expected.ElementType, input.Value.ElementType),
                    nameof(inputs));
            }

            if (expected.HasShape && !ShapeFits(expected.Shape, input.Value.Shape))
            {
                throw new CodedArgumentException(
                    SessionDiagnostics.InputShapeMismatch(
                        expected.Name,
                        expected.FormatShape(),
                        Tensor.FormatShape([.. input.Value.Shape])),
                    nameof(inputs));
            }
        }

        var missing = Array.IndexOf(given, false);
        if (missing >= 0)
        {
            throw new CodedArgumentException(SessionDiagnostics.MissingInput(_inputs[missing].Name, Describe(_inputs)), nameof(inputs));
        }
    }

    private static bool ShapeFits(IReadOnlyList<long> expected, IReadOnlyList<long> given)
    {
        if (expected.Count != given.Count)
        {
            return false;
        }

        for (var d = 0; d < given.Count; d++)
        {
            if (expected[d] >= 0 && expected[d] != given[d])
            {
                return false;
            }
        }

        return true;
    }

    private IReadOnlyList<string> SelectOutputs(IReadOnlyList<string>? outputNames)
    {
        var names = outputNames ?? [.. _outputs.Select(o => o.Name)];
        var requested = new bool[_outputs.Length];
        foreach (var name in names)
        {
            if (name is null || !_outputIndex.TryGetValue(name, out var index))
            {
                throw new CodedArgumentException(
                    SessionDiagnostics.UnknownOutput(name ?? "(null)", Describe(_outputs)),
                    nameof(outputNames));
            }

            if (requested[index])
            {
                throw new CodedArgumentException(SessionDiagnostics.DuplicateOutput(name), nameof(outputNames));
            }

            requested[index] = true;
            if (_outputs[index].Kind != OnnxValueKind.Tensor)
            {
                throw new CodedNotSupportedException(SessionDiagnostics.NotATensor("Output", name, _outputs[index].Kind));
            }
        }

        return names;
    }

    private static string Describe(TensorInfo[] ports) =>
        ports.Length == 0 ? "(none)" : string.Join(", ", ports.Select(p => p.ToString()));

    private static Dictionary<string, int> Index(TensorInfo[] ports)
    {
        var index = new Dictionary<string, int>(ports.Length, StringComparer.Ordinal);
        for (var i = 0; i < ports.Length; i++)
        {
            index[ports[i].Name] = i;
        }

        return index;
    }

    private static TensorInfo Describe(string name, NodeMetadata metadata)
    {
        var kind = OrtTensors.KindOf(metadata.OnnxValueType);
        if (kind != OnnxValueKind.Tensor)
        {
            return new TensorInfo
            {
                Name = name,
                ElementType = TensorElementType.Undefined,
                Shape = [],
                SymbolicShape = [],
                HasShape = false,
                Kind = kind
            };
        }

        var dimensions = metadata.Dimensions;
        var symbols = metadata.SymbolicDimensions;
        return new TensorInfo
        {
            Name = name,
            ElementType = (TensorElementType)(int)metadata.ElementDataType,
            Shape = [.. dimensions.Select(d => (long)d)],
            SymbolicShape = [.. dimensions.Select((_, i) => i < symbols.Length && symbols[i].Length > 0 ? symbols[i] : null)],
            HasShape = dimensions.Length > 0,
        };
    }

    private static InferenceSession Load(ModelSessionOptions? options, Func<SessionOptions, InferenceSession> create, string operation)
    {
        _ = OnnxRuntimeLibrary.Version;
        try
        {
            using var native = (options ?? ModelSessionOptions.Default).CreateNative();
            return create(native);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxRuntimeErrorException(operation, e);
        }
    }
}
