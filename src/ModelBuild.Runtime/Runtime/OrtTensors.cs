using System.Runtime.InteropServices;
using System.Text;

namespace ModelBuild.Runtime;

/// <summary>Moves tensors across the C API: managed <see cref="Tensor"/> to <c>OrtValue</c> and back.</summary>
internal static unsafe class OrtTensors
{
    private const int OnnxTypeTensor = 1;

    /// <summary>
    /// Creates an <c>OrtValue</c> for <paramref name="tensor"/> into <paramref name="slot"/>. Numeric data is not
    /// copied: the value points into the tensor's array, pinned through <paramref name="pin"/> until the caller
    /// has released the value and then frees the pin.
    /// </summary>
    public static void CreateValue(string name, Tensor tensor, nint* slot, ref GCHandle pin)
    {
        var api = OnnxRuntimeLibrary.Api;
        var dims = tensor.Dimensions;
        long scalarShape = 0;
        fixed (long* shapeData = dims)
        {
            // A scalar has no dimensions; ORT still wants a valid pointer.
            var shape = dims.Length == 0 ? &scalarShape : shapeData;
            var rank = (nuint)dims.Length;
            if (tensor.ElementType == TensorElementType.String)
            {
                OrtStatus.Check(api.CreateTensorAsOrtValue(OnnxRuntimeLibrary.DefaultAllocator, shape, rank, (int)TensorElementType.String, slot), "create the string tensor for input '{0}'", name);
                FillStrings(name, *slot, tensor.RawStrings);
                return;
            }

            var bytes = tensor.RawBytes;
            if (bytes.Length == 0)
            {
                // No elements: nothing to point at, so let ORT allocate the (empty) buffer.
                OrtStatus.Check(api.CreateTensorAsOrtValue(OnnxRuntimeLibrary.DefaultAllocator, shape, rank, (int)tensor.ElementType, slot), "create the tensor for input '{0}'", name);
                return;
            }

            pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            var memoryInfo = OnnxRuntimeLibrary.CpuMemoryInfo.DangerousGetHandle();
            OrtStatus.Check(
                api.CreateTensorWithDataAsOrtValue(memoryInfo, (void*)pin.AddrOfPinnedObject(), (nuint)bytes.Length, shape, rank, (int)tensor.ElementType, slot),
                "create the tensor for input '{0}'", name);
        }
    }

    /// <summary>Copies an output <c>OrtValue</c> into a new managed tensor; the caller still releases the value.</summary>
    public static Tensor ReadValue(string name, nint value)
    {
        var (elementType, dims, count) = ReadOutputType(name, value);
        if (elementType == TensorElementType.String)
        {
            return Tensor.WrapStrings(dims, ReadStrings(name, value, count));
        }

        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(count * TensorElementTypes.SizeOf(elementType))));
        if (bytes.Length > 0)
        {
            new ReadOnlySpan<byte>(DataOf(name, value), bytes.Length).CopyTo(bytes);
        }

        return Tensor.WrapBytes(elementType, dims, count, bytes);
    }

    /// <summary>A view of the output <paramref name="value"/> in place; valid while the value lives.</summary>
    public static TensorView ViewValue(string name, nint value)
    {
        var (elementType, dims, count) = ReadOutputType(name, value);
        return elementType == TensorElementType.String
            ? throw new NotSupportedException(RuntimeDiagnostics.NoInPlaceView(name))
            : new TensorView(name, elementType, dims, count, count > 0 ? DataOf(name, value) : null);
    }

    /// <summary>The element type, dimensions and element count of an output value; not a tensor or an unhandled type is an error.</summary>
    private static (TensorElementType ElementType, long[] Dimensions, long Count) ReadOutputType(string name, nint value)
    {
        var api = OnnxRuntimeLibrary.Api;
        int valueType;
        OrtStatus.Check(api.GetValueType(value, &valueType), "read the type of output '{0}'", name);
        if (valueType != OnnxTypeTensor)
        {
            throw new NotSupportedException(RuntimeDiagnostics.NotATensor("Output", name, (OnnxValueKind)valueType));
        }

        nint info;
        OrtStatus.Check(api.GetTensorTypeAndShape(value, &info), "read the shape of output '{0}'", name);
        TensorElementType elementType;
        long[] dims;
        using (new OrtTensorTypeAndShapeInfoHandle(info))
        {
            (elementType, dims) = ReadTypeAndShape(info, name);
        }

        if (!TensorElementTypes.IsSupported(elementType))
        {
            throw new NotSupportedException(RuntimeDiagnostics.UnsupportedElementType($"Output '{name}'", (int)elementType));
        }

        long count = 1;
        foreach (var dim in dims)
        {
            count *= dim;
        }

        return (elementType, dims, count);
    }

    private static void* DataOf(string name, nint value)
    {
        void* data;
        OrtStatus.Check(OnnxRuntimeLibrary.Api.GetTensorMutableData(value, &data), "read the data of output '{0}'", name);
        return data;
    }

    /// <summary>Reads the element type and dimensions of a tensor type (not owned by this call).</summary>
    public static (TensorElementType ElementType, long[] Dimensions) ReadTypeAndShape(nint tensorTypeAndShape, string name)
    {
        var api = OnnxRuntimeLibrary.Api;
        int elementType;
        OrtStatus.Check(api.GetTensorElementType(tensorTypeAndShape, &elementType), "read the element type of '{0}'", name);
        nuint rank;
        OrtStatus.Check(api.GetDimensionsCount(tensorTypeAndShape, &rank), "read the rank of '{0}'", name);
        var dims = new long[rank];
        if (rank > 0)
        {
            fixed (long* d = dims)
            {
                OrtStatus.Check(api.GetDimensions(tensorTypeAndShape, d, rank), "read the shape of '{0}'", name);
            }
        }

        return ((TensorElementType)elementType, dims);
    }

    /// <summary>Describes a model input or output from its <c>OrtTypeInfo</c> (not owned by this call).</summary>
    public static TensorInfo Describe(string name, nint typeInfo)
    {
        var api = OnnxRuntimeLibrary.Api;
        int onnxType;
        OrtStatus.Check(api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), "read the kind of '{0}'", name);
        if (onnxType != OnnxTypeTensor)
        {
            return new TensorInfo
            {
                Name = name,
                Kind = (OnnxValueKind)onnxType,
                ElementType = TensorElementType.Undefined,
                Shape = [],
                SymbolicShape = [],
            };
        }

        // The tensor info belongs to the type info; it is not released separately.
        nint tensorInfo;
        OrtStatus.Check(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "read the tensor type of '{0}'", name);
        var (elementType, dims) = ReadTypeAndShape(tensorInfo, name);
        var hasShape = api.TensorTypeAndShapeHasShape != null
            ? api.TensorTypeAndShapeHasShape(tensorInfo) != 0
            : dims.Length > 0;
        var symbolic = new string?[dims.Length];
        if (dims.Length > 0)
        {
            var names = new nint[dims.Length];
            fixed (nint* n = names)
            {
                OrtStatus.Check(api.GetSymbolicDimensions(tensorInfo, (byte**)n, (nuint)names.Length), "read the dimension names of '{0}'", name);
            }

            for (var i = 0; i < names.Length; i++)
            {
                var text = names[i] == 0 ? null : Marshal.PtrToStringUTF8(names[i]);
                symbolic[i] = string.IsNullOrEmpty(text) ? null : text;
            }
        }

        return new TensorInfo
        {
            Name = name,
            ElementType = elementType,
            Shape = Array.AsReadOnly(dims),
            SymbolicShape = Array.AsReadOnly(symbolic),
            HasShape = hasShape,
        };
    }

    private static void FillStrings(string name, nint value, string[] strings)
    {
        if (strings.Length == 0)
        {
            return;
        }

        // One buffer of NUL-terminated UTF-8 strings and a table of pointers into it.
        var offsets = new int[strings.Length];
        var total = 0;
        for (var i = 0; i < strings.Length; i++)
        {
            if (strings[i].Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException(RuntimeDiagnostics.StringHasNul(name, i), nameof(strings));
            }

            offsets[i] = total;
            total += Encoding.UTF8.GetByteCount(strings[i]) + 1;
        }

        var buffer = new byte[total];
        for (var i = 0; i < strings.Length; i++)
        {
            Encoding.UTF8.GetBytes(strings[i], buffer.AsSpan(offsets[i]));
        }

        var pointers = new nint[strings.Length];
        fixed (byte* b = buffer)
        fixed (nint* p = pointers)
        {
            for (var i = 0; i < strings.Length; i++)
            {
                p[i] = (nint)(b + offsets[i]);
            }

            OrtStatus.Check(OnnxRuntimeLibrary.Api.FillStringTensor(value, (byte**)p, (nuint)strings.Length), "fill the string tensor for input '{0}'", name);
        }
    }

    private static string[] ReadStrings(string name, nint value, long count)
    {
        var strings = new string[count];
        if (count == 0)
        {
            return strings;
        }

        var api = OnnxRuntimeLibrary.Api;
        nuint length;
        OrtStatus.Check(api.GetStringTensorDataLength(value, &length), "read the string lengths of output '{0}'", name);
        var buffer = new byte[(int)length + 1];
        var offsets = new nuint[count];
        fixed (byte* b = buffer)
        fixed (nuint* o = offsets)
        {
            OrtStatus.Check(api.GetStringTensorContent(value, b, length, o, (nuint)count), "read the strings of output '{0}'", name);
        }

        for (var i = 0; i < count; i++)
        {
            var start = (int)offsets[i];
            var end = i + 1 < count ? (int)offsets[i + 1] : (int)length;
            strings[i] = Encoding.UTF8.GetString(buffer, start, end - start);
        }

        return strings;
    }
}
