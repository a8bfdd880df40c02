using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;

namespace ModelBuild.Core.Tests.Onnx;

public sealed class OnnxModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelbuild-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// The test models were written by protobuf's C++ code (through the onnx Python package), which
    /// emits fields in field-number order, as Google.Protobuf does; nothing is lost or reordered.
    /// </summary>
    [Fact]
    public void Every_backend_test_model_round_trips_byte_for_byte()
    {
        var differing = new List<string>();
        foreach (var path in OnnxTestData.BackendModels())
        {
            var original = File.ReadAllBytes(path);
            var written = OnnxModelFile.Write(OnnxModelFile.Read(path));
            if (!original.AsSpan().SequenceEqual(written))
            {
                differing.Add(path);
            }
        }

        Assert.True(differing.Count == 0, $"{differing.Count} models changed in a round trip: " + string.Join(", ", differing.Take(10)));
    }

    [Fact]
    public void Fields_written_out_of_order_come_back_in_field_number_order_with_the_same_content()
    {
        var model = OnnxTestData.ConvReluNet();
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            // opset_import (8), then graph (7), then ir_version (1): legal protobuf, unlike what protobuf writes.
            foreach (var opset in model.OpsetImport)
            {
                output.WriteTag(ModelProto.OpsetImportFieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteMessage(opset);
            }

            output.WriteTag(ModelProto.GraphFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(model.Graph);
            output.WriteTag(ModelProto.IrVersionFieldNumber, WireFormat.WireType.Varint);
            output.WriteInt64(model.IrVersion);
            output.WriteTag(ModelProto.ProducerNameFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteString(model.ProducerName);
        }

        var shuffled = buffer.ToArray();
        var read = OnnxModelFile.Read(shuffled, "shuffled.onnx");

        Assert.Equal(model, read);
        Assert.NotEqual(shuffled, OnnxModelFile.Write(read));
        Assert.Equal(OnnxModelFile.Write(model), OnnxModelFile.Write(read));
    }

    [Fact]
    public void Fields_newer_than_the_schema_survive_a_round_trip()
    {
        var bytes = OnnxModelFile.Write(OnnxTestData.ConvReluNet());
        using var buffer = new MemoryStream();
        buffer.Write(bytes);
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            // A field number ONNX has not used (yet) at the end of the model.
            output.WriteTag(99, WireFormat.WireType.LengthDelimited);
            output.WriteString("from a future ONNX");
        }

        var extended = buffer.ToArray();

        Assert.Equal(extended, OnnxModelFile.Write(OnnxModelFile.Read(extended, "future.onnx")));
    }

    [Fact]
    public void Reading_a_file_a_stream_or_bytes_gives_the_same_model()
    {
        var path = OnnxTestData.BackendModels().First(p => p.Contains("test_conv_with_strides_padding", StringComparison.Ordinal));
        var bytes = File.ReadAllBytes(path);
        using var stream = new MemoryStream(bytes);

        var fromFile = OnnxModelFile.Read(path);
        Assert.Equal(fromFile, OnnxModelFile.Read(bytes, path));
        Assert.Equal(fromFile, OnnxModelFile.Read(stream, path));
        Assert.Equal("Conv", Assert.Single(fromFile.Graph.Node).OpType);
    }

    [Fact]
    public void Writing_the_same_model_twice_gives_the_same_bytes()
    {
        var first = OnnxModelFile.Write(OnnxTestData.ConvReluNet());
        var second = OnnxModelFile.Write(OnnxTestData.ConvReluNet());
        using var stream = new MemoryStream();
        OnnxModelFile.Write(OnnxTestData.ConvReluNet(), stream);

        Assert.Equal(first, second);
        Assert.Equal(first, stream.ToArray());
        Assert.Equal(first, OnnxModelFile.Write(OnnxModelFile.Read(first, "convnet.onnx")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_bytes_are_not_an_onnx_model(int seed)
    {
        var bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);
        var path = WriteFile("random.onnx", bytes);

        var diagnostic = ReadFailure(path);

        Assert.Equal("MB4001", diagnostic.Code);
        Assert.StartsWith($"'{path}' is not an ONNX model: ", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(path, diagnostic.Location?.FilePath);
    }

    [Fact]
    public void A_png_image_is_named_as_one()
    {
        var path = WriteFile("picture.onnx", OnnxTestData.TinyPng());

        Assert.Equal($"'{path}' is not an ONNX model: it looks like a PNG image.", ReadFailure(path).Message);
    }

    [Theory]
    [InlineData(
        "<!DOCTYPE html><html><body>404 Not Found</body></html>",
        "it looks like an HTML page (did a download return an error page?)")]
    [InlineData(
        "version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 12\n",
        "it is a Git LFS pointer, not the model's content")]
    [InlineData("<?xml version=\"1.0\"?><net name=\"model\"/>", "it looks like an XML file (an OpenVINO model is an .xml and a .bin file)")]
    public void Text_files_mistaken_for_models_are_named(string content, string reason)
    {
        var path = WriteFile("model.onnx", System.Text.Encoding.UTF8.GetBytes(content));

        Assert.Equal($"'{path}' is not an ONNX model: {reason}.", ReadFailure(path).Message);
    }

    [Fact]
    public void Compressed_models_are_named_as_archives()
    {
        var model = OnnxModelFile.Write(OnnxTestData.ConvReluNet());
        var zipPath = Path.Combine(_folder, "model.zip.onnx");
        using (var zip = System.IO.Compression.ZipFile.Open(zipPath, System.IO.Compression.ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("model.onnx").Open())
        {
            entry.Write(model);
        }

        var gzipPath = Path.Combine(_folder, "model.onnx.gz");
        using (var gzip = new System.IO.Compression.GZipStream(File.Create(gzipPath), System.IO.Compression.CompressionLevel.Optimal))
        {
            gzip.Write(model);
        }

        Assert.Equal(
            $"'{zipPath}' is not an ONNX model: it looks like a ZIP archive (a PyTorch checkpoint is one; export the model to ONNX first).",
            ReadFailure(zipPath).Message);
        Assert.Equal($"'{gzipPath}' is not an ONNX model: it looks like a gzip-compressed file.", ReadFailure(gzipPath).Message);
    }

    [Fact]
    public void An_empty_file_is_reported_as_empty()
    {
        var path = WriteFile("empty.onnx", []);

        var diagnostic = ReadFailure(path);

        Assert.Equal("MB4001", diagnostic.Code);
        Assert.Equal($"'{path}' is not an ONNX model: the file is empty.", diagnostic.Message);
    }

    [Fact]
    public void A_truncated_model_is_reported_as_cut_short()
    {
        var bytes = OnnxModelFile.Write(OnnxTestData.ConvReluNet());
        var path = WriteFile("truncated.onnx", bytes[..(bytes.Length / 2)]);

        var diagnostic = ReadFailure(path);

        Assert.Equal("MB4001", diagnostic.Code);
        Assert.EndsWith(
            "it ends in the middle of a protobuf field, so it is cut short or not protobuf at all.",
            diagnostic.Message,
            StringComparison.Ordinal);
        Assert.StartsWith($"'{path}' is not an ONNX model: ", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_shorter_prefix_of_a_model_is_rejected_as_not_a_model()
    {
        // opset_import is written last, so no strict prefix is a whole model.
        var bytes = OnnxModelFile.Write(OnnxTestData.ConvReluNet());
        for (var length = 0; length < bytes.Length; length++)
        {
            var diagnostic = Assert.Throws<DiagnosticException>(() => OnnxModelFile.Read(bytes.AsSpan(0, length), "cut.onnx")).Diagnostic;
            Assert.Equal("MB4001", diagnostic.Code);
        }
    }

    [Fact]
    public void A_protobuf_without_a_graph_is_not_a_model()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "x" };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });

        Assert.Equal("'m.onnx' is not an ONNX model: it has no graph.", ReadFailure(model.ToByteArray(), "m.onnx").Message);
    }

    [Fact]
    public void A_model_without_ir_version_is_not_a_model()
    {
        var model = OnnxTestData.ConvReluNet();
        model.ClearIrVersion();

        Assert.Equal(
            "'m.onnx' is not an ONNX model: it declares no IR version (ir_version).",
            ReadFailure(model.ToByteArray(), "m.onnx").Message);
    }

    [Fact]
    public void A_model_without_opset_import_is_not_a_model()
    {
        var model = OnnxTestData.ConvReluNet();
        model.OpsetImport.Clear();

        Assert.Equal(
            "'m.onnx' is not an ONNX model: it imports no operator set (opset_import is empty).",
            ReadFailure(model.ToByteArray(), "m.onnx").Message);
    }

    [Fact]
    public void A_missing_file_is_a_diagnostic_naming_it()
    {
        var path = Path.Combine(_folder, "absent.onnx");

        var diagnostic = ReadFailure(path);

        Assert.Equal("MB4002", diagnostic.Code);
        Assert.Equal($"Cannot read the ONNX model '{path}': the file does not exist.", diagnostic.Message);
    }

    [Fact]
    public void A_file_over_2_GiB_is_rejected_before_reading()
    {
        var path = Path.Combine(_folder, "huge.onnx");
        using (var file = File.Create(path))
        {
            // Sparse on the file systems tests run on: no 2 GiB are written.
            file.SetLength(OnnxModelFile.MaxSerializedSize + 1);
        }

        var diagnostic = ReadFailure(path);

        Assert.Equal("MB4003", diagnostic.Code);
        Assert.Contains("2,147,483,648 bytes", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_over_2_GiB_is_a_diagnostic_and_nothing_is_written()
    {
        // 260 initializers sharing one 8 MiB buffer: 2.2 GB serialized, 8 MiB in memory.
        var weights = UnsafeByteOperations.UnsafeWrap(new byte[8 << 20]);
        var model = OnnxTestData.ConvReluNet();
        for (var i = 0; i < 260; i++)
        {
            var tensor = new TensorProto { Name = $"big{i}", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = weights };
            tensor.Dims.Add(weights.Length);
            model.Graph.Initializer.Add(tensor);
        }

        using var stream = new MemoryStream();
        var toStream = Assert.Throws<DiagnosticException>(() => OnnxModelFile.Write(model, stream, "big.onnx")).Diagnostic;
        var toBytes = Assert.Throws<DiagnosticException>(() => OnnxModelFile.Write(model)).Diagnostic;

        Assert.Equal("MB4004", toStream.Code);
        Assert.StartsWith("The ONNX model 'big.onnx' would be 2,1", toStream.Message, StringComparison.Ordinal);
        Assert.Contains("'conv_relu'", toBytes.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void The_64_bit_size_matches_protobufs_own_count_on_every_test_model()
    {
        foreach (var path in OnnxTestData.BackendModels())
        {
            var model = OnnxModelFile.Read(path);
            Assert.True(OnnxSerializedSize.Of(model) == model.CalculateSize(), path);
        }

        var built = OnnxTestData.ConvReluNet();
        Assert.Equal(built.CalculateSize(), OnnxSerializedSize.Of(built));
    }

    [Fact]
    public void The_64_bit_size_counts_every_field_of_the_model_and_graph()
    {
        Assert.Equal(
            ModelProto.Descriptor.Fields.InFieldNumberOrder().Select(f => f.FieldNumber),
            OnnxSerializedSize.CountedModelFields.Order());
        Assert.Equal(
            GraphProto.Descriptor.Fields.InFieldNumberOrder().Select(f => f.FieldNumber),
            OnnxSerializedSize.CountedGraphFields.Order());
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static Diagnostic ReadFailure(string path) =>
        Assert.Throws<DiagnosticException>(() => OnnxModelFile.Read(path)).Diagnostic;

    private static Diagnostic ReadFailure(byte[] bytes, string displayPath) =>
        Assert.Throws<DiagnosticException>(() => OnnxModelFile.Read(bytes, displayPath)).Diagnostic;
}
