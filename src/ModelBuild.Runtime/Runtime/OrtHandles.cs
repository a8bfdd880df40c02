using System.Runtime.InteropServices;

namespace ModelBuild.Runtime;

/// <summary>
/// An owned pointer to an ONNX Runtime object, released exactly once with the object's own
/// <c>Release*</c> function, even when the owner is never disposed.
/// </summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle(nint handle)
        : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected static OrtApi Api => OnnxRuntimeLibrary.Api;
}

/// <summary>An <c>OrtEnv*</c>.</summary>
internal sealed class OrtEnvHandle(nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseEnv(handle);
        return true;
    }
}

/// <summary>An <c>OrtSessionOptions*</c>.</summary>
internal sealed class OrtSessionOptionsHandle(nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseSessionOptions(handle);
        return true;
    }
}

/// <summary>An <c>OrtSession*</c>.</summary>
internal sealed class OrtSessionHandle(nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseSession(handle);
        return true;
    }
}

/// <summary>An <c>OrtTypeInfo*</c>.</summary>
internal sealed class OrtTypeInfoHandle(nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseTypeInfo(handle);
        return true;
    }
}

/// <summary>An owned <c>OrtTensorTypeAndShapeInfo*</c> (from <c>GetTensorTypeAndShape</c>, not from a type info cast).</summary>
internal sealed class OrtTensorTypeAndShapeInfoHandle(nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}

/// <summary>An <c>OrtRunOptions*</c>.</summary>
internal sealed class OrtRunOptionsHandle(nint handle) : OrtHandle(handle)
{
    /// <summary>Asks every run using these options to stop as soon as it can; safe from any thread.</summary>
    public unsafe void Terminate()
    {
        var added = false;
        DangerousAddRef(ref added);
        try
        {
            OrtStatus.Ignore(Api.RunOptionsSetTerminate(handle));
        }
        finally
        {
            DangerousRelease();
        }
    }

    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseRunOptions(handle);
        return true;
    }
}

/// <summary>An <c>OrtMemoryInfo*</c>.</summary>
internal sealed class OrtMemoryInfoHandle(nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        Api.ReleaseMemoryInfo(handle);
        return true;
    }
}

/// <summary>A buffer (such as a name) that ONNX Runtime allocated with an <c>OrtAllocator</c>; freed with that allocator.</summary>
internal sealed class OrtAllocationHandle(nint allocator, nint handle) : OrtHandle(handle)
{
    protected override unsafe bool ReleaseHandle()
    {
        var status = Api.AllocatorFree(allocator, (void*)handle);
        if (status != 0)
        {
            Api.ReleaseStatus(status);
            return false;
        }

        return true;
    }

    /// <summary>Reads the buffer as a NUL-terminated UTF-8 string.</summary>
    public string ReadUtf8()
    {
        var added = false;
        DangerousAddRef(ref added);
        try
        {
            return Marshal.PtrToStringUTF8(handle) ?? string.Empty;
        }
        finally
        {
            DangerousRelease();
        }
    }
}
