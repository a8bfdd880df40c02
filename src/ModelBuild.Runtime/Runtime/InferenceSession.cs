using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelBuild.Runtime;

/// <summary>
/// A model loaded into ONNX Runtime, ready to run. <see cref="Run(IReadOnlyList{NamedTensor}, IReadOnlyList{string}?, CancellationToken)"/> may be called from several threads
/// at once (ONNX Runtime allows concurrent runs of one session); <see cref="Dispose"/> waits for runs in
/// progress before the native session is released.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    // Up to this many inputs or outputs, a run keeps its pointer tables on the stack.
    private const int StackTableLimit = 32;

    private readonly OrtSessionHandle _session;
    private readonly TensorInfo[] _inputs;
    private readonly TensorInfo[] _outputs;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;

    // NUL-terminated UTF-8 names on the pinned object heap, so their addresses never move.
    private readonly nint[] _inputNames;
    private readonly nint[] _outputNames;
    private readonly byte[][] _pinnedNames;
    private readonly int[] _allOutputs;

    // A pinned copy of the model, only when ORT keeps reading the bytes after creation
    // (session.use_ort_model_bytes_directly); held so it lives as long as the session.
    private readonly byte[]? _keptModel;

    /// <summary>Loads a model from its bytes (ONNX or ORT format) with default options.</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused the model.</exception>
    public InferenceSession(byte[] model)
        : this(model, SessionOptions.Default)
    {
    }

    /// <summary>Loads a model from its bytes (ONNX or ORT format).</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused the model or an option.</exception>
    public InferenceSession(byte[] model, SessionOptions options)
        : this(LoadFromBytes(model, options, out var keptModel), keptModel)
    {
    }

    /// <summary>Loads a model file (ONNX or ORT format) with default options; external data is found beside it.</summary>
    /// <exception cref="OnnxRuntimeException">The file is missing or ONNX Runtime refused the model.</exception>
    public InferenceSession(string modelPath)
        : this(modelPath, SessionOptions.Default)
    {
    }

    /// <summary>Loads a model file (ONNX or ORT format); external data is found beside it.</summary>
    /// <exception cref="OnnxRuntimeException">The file is missing or ONNX Runtime refused the model or an option.</exception>
    public InferenceSession(string modelPath, SessionOptions options)
        : this(LoadFromFile(modelPath, options), keptModel: null)
    {
    }

    private InferenceSession(OrtSessionHandle session, byte[]? keptModel)
    {
        _session = session;
        _keptModel = keptModel;
        (_inputs, _outputs) = ReadMetadataOrRelease(session);
        (_inputIndex, _inputNames, var inputNameBytes) = IndexPorts(_inputs);
        (_outputIndex, _outputNames, var outputNameBytes) = IndexPorts(_outputs);
        _pinnedNames = [.. inputNameBytes, .. outputNameBytes];
        _allOutputs = Enumerable.Range(0, _outputs.Length).ToArray();
    }

    /// <summary>The model's inputs, in the model's order.</summary>
    public IReadOnlyList<TensorInfo> Inputs => _inputs;

    /// <summary>The model's outputs, in the model's order.</summary>
    public IReadOnlyList<TensorInfo> Outputs => _outputs;

    /// <summary>
    /// Runs the model. Inputs are checked against <see cref="Inputs"/> (names, element types, fixed
    /// dimensions) before anything reaches ONNX Runtime; the results are new tensors that own their data.
    /// </summary>
    /// <param name="inputs">Every model input exactly once, in any order.</param>
    /// <param name="outputNames">The outputs to compute, in the order wanted; null for all of them in model order.
    /// Asking for fewer lets ORT skip work that only feeds the others.</param>
    /// <param name="cancellationToken">Stops a run in progress (ORT checks it between operators).</param>
    /// <returns>The requested outputs, in the requested order.</returns>
    /// <exception cref="ArgumentException">MB5010–MB5017: an input is unknown, missing, repeated or of the wrong type or shape, or an output is unknown or repeated.</exception>
    /// <exception cref="NotSupportedException">MB5016/MB5024: an input or output is not a tensor, or of an element type this binding does not handle.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames = null, CancellationToken cancellationToken = default) =>
        Run(inputs, outputNames, ReadCopies, cancellationToken);

    /// <summary>
    /// Runs the model and hands <paramref name="visit"/> the requested outputs in place, in ONNX Runtime's memory,
    /// without copying them: for reading large outputs once (calibration statistics). The views are valid only
    /// until <paramref name="visit"/> returns.
    /// </summary>
    /// <exception cref="NotSupportedException">MB5018: an output holds strings, which have no in-place view.</exception>
    /// <inheritdoc cref="Run(IReadOnlyList{NamedTensor}, IReadOnlyList{string}?, CancellationToken)"/>
    public void Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string> outputNames, Action<IReadOnlyList<TensorView>> visit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(visit);
        Run(
            inputs,
            outputNames,
            (values, order) =>
            {
                var views = new TensorView[values.Length];
                for (var j = 0; j < values.Length; j++)
                {
                    views[j] = OrtTensors.ViewValue(_outputs[order[j]].Name, values[j]);
                }

                visit(views);
                return true;
            },
            cancellationToken);
    }

    /// <summary>Releases the native session (after any run in progress ends).</summary>
    public void Dispose() => _session.Dispose();

    private TResult Run<TResult>(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames, OutputReader<TResult> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var inputOrder = ValidateInputs(inputs);
        var outputOrder = SelectOutputs(outputNames);
        cancellationToken.ThrowIfCancellationRequested();

        var added = false;
        try
        {
            // Holds the native session open even if another thread disposes this object meanwhile.
            _session.DangerousAddRef(ref added);
            return RunCore(inputs, inputOrder, outputOrder, read, cancellationToken);
        }
        finally
        {
            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    private NamedTensor[] ReadCopies(ReadOnlySpan<nint> values, int[] order)
    {
        var results = new NamedTensor[values.Length];
        for (var j = 0; j < values.Length; j++)
        {
            var name = _outputs[order[j]].Name;
            results[j] = new NamedTensor(name, OrtTensors.ReadValue(name, values[j]));
        }

        return results;
    }

    private TResult RunCore<TResult>(IReadOnlyList<NamedTensor> inputs, int[] inputOrder, int[] outputOrder, OutputReader<TResult> read, CancellationToken cancellationToken)
    {
        var api = OnnxRuntimeLibrary.Api;
        var inputCount = inputs.Count;
        var outputCount = outputOrder.Length;

        // Values made for this call only, as plain pointers released in the finally block below whatever
        // happens: nothing outlives the call, and a finalizable SafeHandle per value would cost more than
        // the rest of the binding's per-run work. Small models keep these tables on the stack (zeroed).
        Span<nint> inputValues = inputCount <= StackTableLimit ? stackalloc nint[inputCount] : new nint[inputCount];
        Span<nint> inputNames = inputCount <= StackTableLimit ? stackalloc nint[inputCount] : new nint[inputCount];
        Span<GCHandle> pins = inputCount <= StackTableLimit ? stackalloc GCHandle[inputCount] : new GCHandle[inputCount];
        Span<nint> outputValues = outputCount <= StackTableLimit ? stackalloc nint[outputCount] : new nint[outputCount];
        var allOutputs = ReferenceEquals(outputOrder, _allOutputs);
        Span<nint> outputNames = allOutputs ? _outputNames : outputCount <= StackTableLimit ? stackalloc nint[outputCount] : new nint[outputCount];
        OrtRunOptionsHandle? runOptions = null;
        var registration = default(CancellationTokenRegistration);
        try
        {
            for (var i = 0; i < inputCount; i++)
            {
                inputNames[i] = _inputNames[inputOrder[i]];
                fixed (nint* slot = &inputValues[i])
                {
                    OrtTensors.CreateValue(inputs[i].Name, inputs[i].Value, slot, ref pins[i]);
                }
            }

            if (!allOutputs)
            {
                for (var j = 0; j < outputCount; j++)
                {
                    outputNames[j] = _outputNames[outputOrder[j]];
                }
            }

            var runOptionsPointer = (nint)0;
            if (cancellationToken.CanBeCanceled)
            {
                nint raw;
                OrtStatus.Check(api.CreateRunOptions(&raw), "create run options");
                runOptions = new OrtRunOptionsHandle(raw);
                runOptionsPointer = raw;
                registration = cancellationToken.Register(static state => ((OrtRunOptionsHandle)state!).Terminate(), runOptions);
            }

            nint status;
            fixed (nint* inNames = inputNames)
            fixed (nint* inValues = inputValues)
            fixed (nint* outNames = outputNames)
            fixed (nint* outValues = outputValues)
            {
                status = api.Run(_session.DangerousGetHandle(), runOptionsPointer, (byte**)inNames, inValues, (nuint)inputCount, (byte**)outNames, (nuint)outputCount, outValues);
            }

            if (status != 0 && cancellationToken.IsCancellationRequested)
            {
                OrtStatus.Ignore(status);
                throw new OperationCanceledException(cancellationToken);
            }

            OrtStatus.Check(status, "run the model");
            return read(outputValues, outputOrder);
        }
        finally
        {
            registration.Dispose();
            runOptions?.Dispose();
            foreach (var value in outputValues)
            {
                if (value != 0)
                {
                    api.ReleaseValue(value);
                }
            }

            // Input values point into pinned arrays: release the values first, then unpin.
            foreach (var value in inputValues)
            {
                if (value != 0)
                {
                    api.ReleaseValue(value);
                }
            }

            foreach (ref var pin in pins)
            {
                if (pin.IsAllocated)
                {
                    pin.Free();
                }
            }

            GC.KeepAlive(_pinnedNames);
            GC.KeepAlive(_keptModel);
        }
    }

    private int[] ValidateInputs(IReadOnlyList<NamedTensor> inputs)
    {
        var order = new int[inputs.Count];
        var given = new bool[_inputs.Length];
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), "An input is null.");
            ArgumentNullException.ThrowIfNull(input.Value, nameof(inputs));
            if (input.Name is null || !_inputIndex.TryGetValue(input.Name, out var index))
            {
                throw new ArgumentException(RuntimeDiagnostics.UnknownInput(input.Name ?? "(null)", Describe(_inputs)), nameof(inputs));
            }

            if (given[index])
            {
                throw new ArgumentException(RuntimeDiagnostics.DuplicateInput(input.Name), nameof(inputs));
            }

            given[index] = true;
            var expected = _inputs[index];
            if (expected.Kind != OnnxValueKind.Tensor)
            {
                throw new NotSupportedException(RuntimeDiagnostics.NotATensor("Input", expected.Name, expected.Kind));
            }

            if (input.Value.ElementType != expected.ElementType)
            {
                throw new ArgumentException(RuntimeDiagnostics.InputElementTypeMismatch(expected.Name, expected.ElementType, input.Value.ElementType), nameof(inputs));
            }

            if (expected.HasShape && !ShapeFits(expected.Shape, input.Value.Dimensions))
            {
                throw new ArgumentException(RuntimeDiagnostics.InputShapeMismatch(expected.Name, expected.FormatShape(), Tensor.FormatShape(input.Value.Dimensions)), nameof(inputs));
            }

            order[i] = index;
        }

        var missing = Array.IndexOf(given, false);
        if (missing >= 0)
        {
            throw new ArgumentException(RuntimeDiagnostics.MissingInput(_inputs[missing].Name, Describe(_inputs)), nameof(inputs));
        }

        return order;
    }

    private static bool ShapeFits(IReadOnlyList<long> expected, ReadOnlySpan<long> given)
    {
        if (expected.Count != given.Length)
        {
            return false;
        }

        for (var d = 0; d < given.Length; d++)
        {
            if (expected[d] >= 0 && expected[d] != given[d])
            {
                return false;
            }
        }

        return true;
    }

    private int[] SelectOutputs(IReadOnlyList<string>? outputNames)
    {
        int[] order;
        if (outputNames is null)
        {
            order = _allOutputs;
        }
        else
        {
            order = new int[outputNames.Count];
            var requested = new bool[_outputs.Length];
            for (var j = 0; j < outputNames.Count; j++)
            {
                var name = outputNames[j];
                if (name is null || !_outputIndex.TryGetValue(name, out var index))
                {
                    throw new ArgumentException(RuntimeDiagnostics.UnknownOutput(name ?? "(null)", Describe(_outputs)), nameof(outputNames));
                }

                if (requested[index])
                {
                    throw new ArgumentException(RuntimeDiagnostics.DuplicateOutput(name), nameof(outputNames));
                }

                requested[index] = true;
                order[j] = index;
            }
        }

        foreach (var index in order)
        {
            if (_outputs[index].Kind != OnnxValueKind.Tensor)
            {
                throw new NotSupportedException(RuntimeDiagnostics.NotATensor("Output", _outputs[index].Name, _outputs[index].Kind));
            }
        }

        return order;
    }

    private static string Describe(TensorInfo[] ports) =>
        ports.Length == 0 ? "(none)" : string.Join(", ", ports.Select(p => p.ToString()));

    private static OrtSessionHandle LoadFromBytes(byte[] model, SessionOptions options, out byte[]? keptModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        keptModel = null;
        var source = model;
        if (options.UsesModelBytesDirectly)
        {
            keptModel = GC.AllocateUninitializedArray<byte>(model.Length, pinned: true);
            model.CopyTo(keptModel, 0);
            source = keptModel;
        }

        var api = OnnxRuntimeLibrary.Api;
        var env = OnnxRuntimeLibrary.Environment.DangerousGetHandle();
        nint session;
        using (var nativeOptions = options.CreateNative())
        {
            fixed (byte* data = source)
            {
                OrtStatus.Check(
                    api.CreateSessionFromArray(env, data, (nuint)source.Length, nativeOptions.DangerousGetHandle(), &session),
                    $"load the model ({source.Length} bytes)");
            }
        }

        return new OrtSessionHandle(session);
    }

    private static OrtSessionHandle LoadFromFile(string modelPath, SessionOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentNullException.ThrowIfNull(options);
        var api = OnnxRuntimeLibrary.Api;
        var env = OnnxRuntimeLibrary.Environment.DangerousGetHandle();
        var fullPath = Path.GetFullPath(modelPath);
        nint session;
        using (var nativeOptions = options.CreateNative())
        {
            fixed (byte* path = NativeText.OrtPath(fullPath))
            {
                OrtStatus.Check(
                    api.CreateSession(env, path, nativeOptions.DangerousGetHandle(), &session),
                    $"load the model '{fullPath}'");
            }
        }

        return new OrtSessionHandle(session);
    }

    private static (TensorInfo[] Inputs, TensorInfo[] Outputs) ReadMetadataOrRelease(OrtSessionHandle session)
    {
        try
        {
            var handle = session.DangerousGetHandle();
            return (ReadPorts(handle, isInput: true), ReadPorts(handle, isInput: false));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static TensorInfo[] ReadPorts(nint session, bool isInput)
    {
        var api = OnnxRuntimeLibrary.Api;
        var allocator = OnnxRuntimeLibrary.DefaultAllocator;
        var direction = isInput ? "input" : "output";
        nuint count;
        OrtStatus.Check(isInput ? api.SessionGetInputCount(session, &count) : api.SessionGetOutputCount(session, &count), $"count the model's {direction}s");
        var ports = new TensorInfo[count];
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            OrtStatus.Check(
                isInput ? api.SessionGetInputName(session, i, allocator, &rawName) : api.SessionGetOutputName(session, i, allocator, &rawName),
                $"read the name of {direction} {i}");
            string name;
            using (var allocated = new OrtAllocationHandle(allocator, (nint)rawName))
            {
                name = allocated.ReadUtf8();
            }

            nint typeInfo;
            OrtStatus.Check(
                isInput ? api.SessionGetInputTypeInfo(session, i, &typeInfo) : api.SessionGetOutputTypeInfo(session, i, &typeInfo),
                $"read the type of {direction} '{name}'");
            using (new OrtTypeInfoHandle(typeInfo))
            {
                ports[i] = OrtTensors.Describe(name, typeInfo);
            }
        }

        return ports;
    }

    private static (Dictionary<string, int> Index, nint[] Pointers, byte[][] Storage) IndexPorts(TensorInfo[] ports)
    {
        var index = new Dictionary<string, int>(ports.Length, StringComparer.Ordinal);
        var pointers = new nint[ports.Length];
        var storage = new byte[ports.Length][];
        for (var i = 0; i < ports.Length; i++)
        {
            index[ports[i].Name] = i;
            var utf8 = NativeText.Utf8(ports[i].Name);
            storage[i] = GC.AllocateUninitializedArray<byte>(utf8.Length, pinned: true);
            utf8.CopyTo(storage[i], 0);
            pointers[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage[i]));
        }

        return (index, pointers, storage);
    }

    /// <summary>Reads the outputs of a run (ONNX Runtime's values, in the order of <paramref name="order"/>) before they are released.</summary>
    private delegate TResult OutputReader<TResult>(ReadOnlySpan<nint> values, int[] order);
}
