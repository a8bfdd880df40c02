using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ModelBuild.Runtime;

namespace ModelBuild.Benchmarks;

/// <summary>
/// Per-run cost of the binding on a tiny model, against a bare loop that calls the C API's Run through
/// the same function pointers with input values, names and options created once.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public unsafe class BindingOverheadBenchmarks
{
    private InferenceSession _session = null!;
    private NamedTensor[] _inputs = null!;

    private nint _bareSession;
    private nint _bareInput;
    private GCHandle _bareInputData;
    private nint _inputName;
    private nint _outputName;

    [GlobalSetup]
    public void Setup()
    {
        var model = TinyModel.Bytes();
        _session = new InferenceSession(model);
        _inputs = [new NamedTensor("x", Tensor.Create(TinyModel.Input(), [1, TinyModel.Width]))];

        var api = OnnxRuntimeLibrary.Api;
        using var options = SessionOptions.Default.CreateNative();
        nint session;
        fixed (byte* data = model)
        {
            Check(api.CreateSessionFromArray(OnnxRuntimeLibrary.Environment.DangerousGetHandle(), data, (nuint)model.Length, options.DangerousGetHandle(), &session));
        }

        _bareSession = session;
        _bareInputData = GCHandle.Alloc(TinyModel.Input(), GCHandleType.Pinned);
        long* shape = stackalloc long[] { 1, TinyModel.Width };
        nint value;
        Check(api.CreateTensorWithDataAsOrtValue(OnnxRuntimeLibrary.CpuMemoryInfo.DangerousGetHandle(), (void*)_bareInputData.AddrOfPinnedObject(), TinyModel.Width * sizeof(float), shape, 2, 1, &value));
        _bareInput = value;
        _inputName = Marshal.StringToCoTaskMemUTF8("x");
        _outputName = Marshal.StringToCoTaskMemUTF8("y");
    }

    [Benchmark(Baseline = true, Description = "bare C API Run (pre-created OrtValue)")]
    public float BareFunctionPointers()
    {
        var api = OnnxRuntimeLibrary.Api;
        var inputName = _inputName;
        var outputName = _outputName;
        var input = _bareInput;
        nint output = 0;
        Check(api.Run(_bareSession, 0, (byte**)&inputName, &input, 1, (byte**)&outputName, 1, &output));
        void* data;
        Check(api.GetTensorMutableData(output, &data));
        var last = ((float*)data)[TinyModel.Width - 1];
        api.ReleaseValue(output);
        return last;
    }

    [Benchmark(Description = "InferenceSession.Run (Tensor in, Tensor out)")]
    public float Binding() => _session.Run(_inputs)[0].Value.AsSpan<float>()[TinyModel.Width - 1];

    [GlobalCleanup]
    public void Cleanup()
    {
        var api = OnnxRuntimeLibrary.Api;
        api.ReleaseValue(_bareInput);
        api.ReleaseSession(_bareSession);
        _bareInputData.Free();
        Marshal.FreeCoTaskMem(_inputName);
        Marshal.FreeCoTaskMem(_outputName);
        _session.Dispose();
    }

    private static void Check(nint status)
    {
        if (status != 0)
        {
            throw new InvalidOperationException("ONNX Runtime call failed.");
        }
    }
}
