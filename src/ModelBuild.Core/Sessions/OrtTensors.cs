using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Core.Onnx;
using ModelBuild.Tensors;
using OrtElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace ModelBuild.Core.Sessions;

/// <summary>Moves tensors between ModelBuild's <see cref="Tensor"/> and ONNX Runtime's <see cref="OrtValue"/>.</summary>
internal static class OrtTensors
{
    /// <summary>
    /// An <see cref="OrtValue"/> over the tensor's own bytes (pinned until the result is disposed), or over a
    /// native copy of its strings. Both element type numberings are ONNX's, so the type passes unchanged.
    /// </summary>
    public static PinnedOrtValue ToOrtValue(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Shape.ToArray();
        if (tensor.ElementType == TensorElementType.String)
        {
            var strings = tensor.RawStrings;
            var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            try
            {
                for (var i = 0; i < strings.Length; i++)
                {
                    value.StringTensorSetElementAt(strings[i].AsSpan(), i);
                }
            }
            catch
            {
                value.Dispose();
                throw;
            }

            return new PinnedOrtValue(value, default);
        }

        var bytes = tensor.RawBytes;
        var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            var value = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance,
                (OrtElementType)tensor.ElementType,
                shape,
                pin.AddrOfPinnedObject(),
                bytes.LongLength);
            return new PinnedOrtValue(value, pin);
        }
        catch
        {
            pin.Free();
            throw;
        }
    }

    /// <summary>A tensor that owns a copy of a tensor value's elements.</summary>
    /// <exception cref="NotSupportedException">MB5016/MB5024: the value is not a tensor, or of an element type ModelBuild's tensors do not
    /// hold.</exception>
    public static Tensor ToTensor(string name, OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.IsTensor)
        {
            throw new CodedNotSupportedException(SessionDiagnostics.NotATensor("Output", name, KindOf(value.OnnxType)));
        }

        var info = value.GetTensorTypeAndShape();
        var type = (TensorElementType)(int)info.ElementDataType;
        var shape = info.Shape;
        if (type == TensorElementType.String)
        {
            return Tensor.WrapStrings(shape, value.GetStringTensorAsArray());
        }

        if (!TensorElementTypes.IsSupported(type))
        {
            throw new CodedNotSupportedException(RuntimeDiagnostics.UnsupportedElementType($"Output '{name}'", (int)type));
        }

        var bytes = info.ElementCount == 0 ? [] : value.GetTensorMutableRawData().ToArray();
        return Tensor.WrapBytes(type, shape, info.ElementCount, bytes);
    }

    /// <summary>ModelBuild's name for ONNX Runtime's kind of value.</summary>
    public static OnnxValueKind KindOf(OnnxValueType type) => type switch
    {
        OnnxValueType.ONNX_TYPE_TENSOR => OnnxValueKind.Tensor,
        OnnxValueType.ONNX_TYPE_SPARSETENSOR => OnnxValueKind.SparseTensor,
        OnnxValueType.ONNX_TYPE_SEQUENCE => OnnxValueKind.Sequence,
        OnnxValueType.ONNX_TYPE_MAP => OnnxValueKind.Map,
        OnnxValueType.ONNX_TYPE_OPTIONAL => OnnxValueKind.Optional,
        OnnxValueType.ONNX_TYPE_OPAQUE => OnnxValueKind.Opaque,
        _ => OnnxValueKind.Unspecified,
    };
}
