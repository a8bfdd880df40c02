using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace ModelBuild.Core.Sessions;

/// <summary>An input value and the pin that keeps the managed bytes under it in place until the value is released.</summary>
internal sealed class PinnedOrtValue(OrtValue value, GCHandle pin) : IDisposable
{
    private GCHandle _pin = pin;

    public OrtValue Value { get; } = value;

    public void Dispose()
    {
        // ORT reads the pinned bytes until its value is released; only then may the array move.
        Value.Dispose();
        if (_pin.IsAllocated)
        {
            _pin.Free();
        }
    }
}
