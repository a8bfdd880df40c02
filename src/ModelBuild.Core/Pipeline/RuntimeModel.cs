using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// A model in a form ONNX Runtime opens: its bytes, or, for a model too large for one protobuf message,
/// a model file and its external data in a scratch folder that is deleted on dispose.
/// </summary>
internal sealed class RuntimeModel : IDisposable
{
    private readonly byte[]? _bytes;
    private readonly ScratchDirectory? _folder;
    private readonly string? _path;

    private RuntimeModel(byte[]? bytes, ScratchDirectory? folder, string? path)
    {
        _bytes = bytes;
        _folder = folder;
        _path = path;
    }

    /// <summary>Bytes of an ONNX or ORT-format model.</summary>
    public static RuntimeModel ForBytes(byte[] bytes) => new(bytes, null, null);

    /// <summary>A model held in memory; written with external data when it is too large for one message.</summary>
    public static RuntimeModel ForProto(ModelProto model)
    {
        if (OnnxSerializedSize.Of(model) <= OnnxModelFile.MaxSerializedSize)
        {
            return ForBytes(OnnxModelFile.Write(model));
        }

        var folder = new ScratchDirectory("session");
        var path = folder.Combine("model.onnx");
        OnnxExternalData.WriteFiles(model, path);
        return new RuntimeModel(null, folder, path);
    }

    /// <summary>A new session over the model.</summary>
    /// <exception cref="OnnxRuntimeErrorException">ONNX Runtime refused the model.</exception>
    public ModelSession Open(ModelSessionOptions options) =>
        _bytes is not null ? new ModelSession(_bytes, options) : new ModelSession(_path!, options);

    public void Dispose() => _folder?.Dispose();
}
