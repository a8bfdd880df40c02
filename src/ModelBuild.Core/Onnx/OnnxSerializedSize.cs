using Google.Protobuf;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Onnx;

/// <summary>
/// The serialized size of a model as a 64-bit number. Protobuf's own <c>CalculateSize</c> is a
/// 32-bit sum that wraps past 2 GiB, so the two messages that grow that large (the model and its
/// graph) are summed here field by field; every other message is small enough for protobuf's count.
/// </summary>
internal static class OnnxSerializedSize
{
    /// <summary>The field numbers of <see cref="ModelProto"/> this class counts; a test holds them to the schema.</summary>
    internal static readonly int[] CountedModelFields = [1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25, 26];

    /// <summary>The field numbers of <see cref="GraphProto"/> this class counts; a test holds them to the schema.</summary>
    internal static readonly int[] CountedGraphFields = [1, 2, 5, 10, 11, 12, 13, 14, 15, 16];

    /// <summary>Bytes <paramref name="model"/> serializes to (fields unknown to the schema are not counted).</summary>
    public static long Of(ModelProto model)
    {
        long size = 0;
        if (model.HasIrVersion)
        {
            size += CodedOutputStream.ComputeTagSize(ModelProto.IrVersionFieldNumber) + CodedOutputStream.ComputeInt64Size(model.IrVersion);
        }

        size += Strings(ModelProto.ProducerNameFieldNumber, model.HasProducerName, model.ProducerName);
        size += Strings(ModelProto.ProducerVersionFieldNumber, model.HasProducerVersion, model.ProducerVersion);
        size += Strings(ModelProto.DomainFieldNumber, model.HasDomain, model.Domain);
        if (model.HasModelVersion)
        {
            size += CodedOutputStream.ComputeTagSize(ModelProto.ModelVersionFieldNumber)
                + CodedOutputStream.ComputeInt64Size(model.ModelVersion);
        }

        size += Strings(ModelProto.DocStringFieldNumber, model.HasDocString, model.DocString);
        if (model.Graph is { } graph)
        {
            size += Embedded(ModelProto.GraphFieldNumber, Of(graph));
        }

        size += Messages(ModelProto.OpsetImportFieldNumber, model.OpsetImport);
        size += Messages(ModelProto.MetadataPropsFieldNumber, model.MetadataProps);
        size += Messages(ModelProto.TrainingInfoFieldNumber, model.TrainingInfo);
        size += Messages(ModelProto.FunctionsFieldNumber, model.Functions);
        size += Messages(ModelProto.ConfigurationFieldNumber, model.Configuration);
        return size;
    }

    private static long Of(GraphProto graph)
    {
        long size = 0;
        size += Messages(GraphProto.NodeFieldNumber, graph.Node);
        size += Strings(GraphProto.NameFieldNumber, graph.HasName, graph.Name);
        size += Messages(GraphProto.InitializerFieldNumber, graph.Initializer);
        size += Strings(GraphProto.DocStringFieldNumber, graph.HasDocString, graph.DocString);
        size += Messages(GraphProto.InputFieldNumber, graph.Input);
        size += Messages(GraphProto.OutputFieldNumber, graph.Output);
        size += Messages(GraphProto.ValueInfoFieldNumber, graph.ValueInfo);
        size += Messages(GraphProto.QuantizationAnnotationFieldNumber, graph.QuantizationAnnotation);
        size += Messages(GraphProto.SparseInitializerFieldNumber, graph.SparseInitializer);
        size += Messages(GraphProto.MetadataPropsFieldNumber, graph.MetadataProps);
        return size;
    }

    private static long Strings(int fieldNumber, bool present, string value) =>
        present ? CodedOutputStream.ComputeTagSize(fieldNumber) + CodedOutputStream.ComputeStringSize(value) : 0;

    private static long Messages<T>(int fieldNumber, IEnumerable<T> messages)
        where T : IMessage
    {
        long size = 0;
        foreach (var message in messages)
        {
            size += Embedded(fieldNumber, message.CalculateSize());
        }

        return size;
    }

    private static long Embedded(int fieldNumber, long length) =>
        CodedOutputStream.ComputeTagSize(fieldNumber) + CodedOutputStream.ComputeRawVarint64Size((ulong)length) + length;
}
