using System.Globalization;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>
/// Writes the instance side of a model's generated class, for apps with ONNX Runtime and ModelBuild.Imaging:
/// <c>Load</c>, thread-safe <c>Predict</c> overloads taking the inputs as images (preprocessed by the calibration's own
/// preprocessor) or shape-checked tensors, <c>PredictAsync</c>, reusable <c>RunBuffers</c> for hot loops, and a
/// <c>Prediction</c> with every output as a typed tensor and, for a labelled output, its classification. The code
/// they share (<see cref="WriteShared"/>) is written once per file.
/// </summary>
internal static class TypedModelWriter
{
    /// <summary>The resource holding the code the typed classes share (<c>ProjectIntegration/TypedModelRuntime.cs.txt</c>).</summary>
    public const string SharedCodeResource = "ModelBuild.Cli.ProjectIntegration.TypedModelRuntime.cs.txt";

    /// <summary>The symbols the typed classes need: both ONNX Runtime and ModelBuild.Imaging.</summary>
    public const string Condition = AccessorGenerator.OnnxRuntimeSymbol + " && " + AccessorGenerator.RuntimeSymbol;

    private const string Ort = "global::Microsoft.ML.OnnxRuntime.";
    private const string Tensors = "global::Microsoft.ML.OnnxRuntime.Tensors.";
    private const string ImageFrame = "global::ModelBuild.Imaging.ImageFrame";
    private const string ReadOnlyList = "global::System.Collections.Generic.IReadOnlyList";

    /// <summary>The nested types the typed classes add to the accessor class, which no model class may be named.</summary>
    public static IReadOnlyList<string> SharedTypeNames { get; } = ["RunBuffers", "ModelRun"];

    /// <summary>The members of a typed model class, which no model class may be named either.</summary>
    public static IReadOnlyList<string> MemberNames { get; } =
        ["Load", "Session", "CreateBuffers", "Predict", "PredictAsync", "Prediction", "Dispose"];

    // Members of Prediction an output property may not take.
    private static readonly HashSet<string> PredictionMembers = new(StringComparer.Ordinal)
    {
        "Prediction", "Tensor", "Classification", "Label", "Probability", "Top", "Reset",
    };

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long",
        "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected", "public",
        "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct",
        "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using",
        "virtual", "void", "volatile", "while", "buffers", "cancellationToken",
    };

    private static readonly Dictionary<string, string> ClrTypes = new(StringComparer.Ordinal)
    {
        ["float32"] = "float",
        ["float64"] = "double",
        ["float16"] = Ort + "Float16",
        ["bfloat16"] = Ort + "BFloat16",
        ["int8"] = "sbyte",
        ["uint8"] = "byte",
        ["int16"] = "short",
        ["uint16"] = "ushort",
        ["int32"] = "int",
        ["uint32"] = "uint",
        ["int64"] = "long",
        ["uint64"] = "ulong",
        ["bool"] = "bool",
    };

    /// <summary>True when the model gets a typed class: an ONNX Runtime model whose tensors all have element types it handles.</summary>
    public static bool Applies(ModelResult model) =>
        model.Target is "onnx" or "ort"
        && model.Inputs.Count > 0
        && model.OutputTensors.Count > 0
        && model.Inputs.Concat(model.OutputTensors).All(t => ClrTypes.ContainsKey(t.ElementType));

    /// <summary>Writes the code every typed class uses, once per file, inside the accessor class.</summary>
    public static void WriteShared(CodeWriter code)
    {
        code.Line();
        code.Line("#if " + Condition);
        using (var stream = typeof(TypedModelWriter).Assembly.GetManifestResourceStream(SharedCodeResource)
            ?? throw new InvalidOperationException("The resource " + SharedCodeResource + " is missing."))
        using (var reader = new StreamReader(stream))
        {
            code.Lines(reader.ReadToEnd().TrimEnd());
        }

        code.Line("#endif");
    }


    /// <summary>Writes the instance side of model class <paramref name="className"/>, a partial class beside its static side.</summary>
    public static void WriteModel(CodeWriter code, AccessorModel accessorModel, string className)
    {
        var model = accessorModel.Result;
        var access = accessorModel.Public ? "public" : "internal";
        var inputs = Parameters(model.Inputs);
        var images = inputs.Where(p => p.IsImage).ToList();
        var parameterList = string.Join(", ", inputs.Select(p => $"{p.Type} {p.Name}"));
        var argumentList = string.Join(", ", inputs.Select(p => p.Name));
        var batch = inputs.FirstOrDefault(p => !p.IsImage && p.Tensor.Shape.Count > 0 && p.Tensor.Shape[0] < 0) is { } batched
            ? $"ModelRun.BatchOf({batched.Name})"
            : "1";
        var paramDocs = inputs.Select(p => $"/// <param name=\"{p.Name}\">Input '{Xml(p.Tensor.Name)}': " + (p.IsImage
            ? $"an image, preprocessed as the build calibrated ({Describe(p.Tensor)}).</param>"
            : $"a tensor of shape {Shape(p.Tensor.Shape)} (-1: any size).</param>")).ToList();

        code.Line();
        code.Line("#if " + Condition);
        code.Line($"/// <summary>Model '{Xml(model.Name)}' loaded into ONNX Runtime: thread-safe predictions, typed inputs to typed");
        code.Line("/// outputs.</summary>");
        code.Line($"{access} sealed partial class {className} : global::System.IDisposable");
        code.Open();
        code.Line($"private readonly {Ort}InferenceSession _session;");
        code.Line();
        code.Line($"private {className}({Ort}InferenceSession session)");
        code.Open();
        code.Line("_session = session;");
        code.Close();
        code.Line();
        code.Line("/// <summary>Loads the model into an ONNX Runtime session; dispose it to release the session.</summary>");
        code.Line("/// <param name=\"options\">Execution providers, threads and the like; ONNX Runtime's defaults when null.</param>");
        code.Line($"public static {className} Load({Ort}SessionOptions? options = null) => new(CreateSession(options));");
        code.Line();
        code.Line("/// <summary>The ONNX Runtime session, for what the typed methods do not cover.</summary>");
        code.Line($"public {Ort}InferenceSession Session => _session;");
        code.Line();
        code.Line("/// <summary>Buffers for <paramref name=\"batchSize\"/> items per run, to pass to <c>Predict</c> again and again");
        code.Line("/// (one per thread).</summary>");
        code.Line("/// <param name=\"batchSize\">The first dimension of inputs whose model leaves it open; images fill batches of 1.");
        code.Line("/// </param>");
        code.Line("public RunBuffers CreateBuffers(int batchSize = 1) => new(this, Inputs, Outputs, batchSize);");

        code.Line();
        code.Line("/// <summary>Runs the model once; safe to call from several threads at once.</summary>");
        paramDocs.ForEach(code.Line);
        code.Line("/// <returns>Every output, and the classification where the model has labels.</returns>");
        code.Line("/// <exception cref=\"global::System.ArgumentException\">A tensor's shape is not its input's.</exception>");
        code.Line($"public Prediction Predict({parameterList})");
        code.Open();
        code.Line($"using var buffers = CreateBuffers({batch});");
        code.Line($"return Predict({argumentList}, buffers);");
        code.Close();

        code.Line();
        code.Line("/// <summary>");
        code.Line("/// Runs the model on <paramref name=\"buffers\"/>, allocating no tensors: the returned prediction is the");
        code.Line("/// buffers' own and changes with their next run.");
        code.Line("/// </summary>");
        paramDocs.ForEach(code.Line);
        code.Line("/// <param name=\"buffers\">From <see cref=\"CreateBuffers\"/>; not shared between threads.</param>");
        code.Line("/// <returns>The outputs, in <paramref name=\"buffers\"/>.</returns>");
        code.Line("/// <exception cref=\"global::System.ArgumentException\">A tensor's shape is not its input's, or the buffers are");
        code.Line("/// another model's.</exception>");
        code.Line($"public Prediction Predict({parameterList}, RunBuffers buffers)");
        code.Open();
        code.Line($"Fill(buffers, {argumentList});");
        code.Line("ModelRun.Run(_session, buffers);");
        code.Line("var prediction = (Prediction)(buffers.Prediction ??= new Prediction(buffers.OutputData, buffers.OutputShapes));");
        code.Line("prediction.Reset();");
        code.Line("return prediction;");
        code.Close();

        code.Line();
        code.Line("/// <summary>Runs the model without blocking the caller; cancelling terminates the run.</summary>");
        paramDocs.ForEach(code.Line);
        code.Line("/// <param name=\"cancellationToken\">Stops the run.</param>");
        code.Line("/// <returns>Every output, and the classification where the model has labels.</returns>");
        code.Line("/// <exception cref=\"global::System.OperationCanceledException\">The run was cancelled.</exception>");
        code.Line($"public async global::System.Threading.Tasks.Task<Prediction> PredictAsync(");
        code.Line($"    {parameterList}, global::System.Threading.CancellationToken cancellationToken = default)");
        code.Open();
        code.Line($"using var buffers = CreateBuffers({batch});");
        code.Line($"Fill(buffers, {argumentList});");
        code.Line("await ModelRun.RunAsync(_session, buffers, cancellationToken).ConfigureAwait(false);");
        code.Line("return new Prediction(buffers.OutputData, buffers.OutputShapes);");
        code.Close();

        if (inputs.Count == 1 && images.Count == 1)
        {
            WriteImageOverloads(code, inputs[0]);
        }

        code.Line();
        code.Line("/// <summary>Releases the ONNX Runtime session.</summary>");
        code.Line("public void Dispose() => _session.Dispose();");
        code.Line();
        code.Line($"private void Fill(RunBuffers buffers, {parameterList})");
        code.Open();
        code.Line("global::System.ArgumentNullException.ThrowIfNull(buffers);");
        code.Line("if (!ReferenceEquals(buffers.Inputs, Inputs))");
        code.Open();
        code.Line("throw new global::System.ArgumentException(");
        code.Line("    \"The buffers were made for another model than '\" + Name + \"'.\", nameof(buffers));");
        code.Close();
        code.Line();
        if (images.Count > 0)
        {
            code.Line("if (buffers.BatchSize != 1)");
            code.Open();
            code.Line("throw new global::System.ArgumentException(");
            code.Line("    \"Images fill batches of 1; use CreateBuffers() or Predict(IReadOnlyList<ImageFrame>).\", nameof(buffers));");
            code.Close();
            code.Line();
        }

        foreach (var parameter in inputs)
        {
            code.Line(parameter.IsImage
                ? $"ModelRun.SetImage(buffers, {parameter.Index}, 0, {parameter.Name});"
                : $"ModelRun.SetTensor(buffers, {parameter.Index}, {parameter.Name});");
        }

        code.Close();
        WritePrediction(code, model);
        code.Close();
        code.Line("#endif");
    }

    /// <summary>For a model of one image input: the image from a file or a stream, and a batch of images.</summary>
    private static void WriteImageOverloads(CodeWriter code, Parameter image)
    {
        var name = image.Name;
        code.Line();
        code.Line("/// <summary>Runs the model on the image in file <paramref name=\"path\"/> (PNG, JPEG or BMP); thread-safe.</summary>");
        code.Line("/// <param name=\"path\">The image file.</param>");
        code.Line("/// <returns>Every output, and the classification where the model has labels.</returns>");
        code.Line("/// <exception cref=\"global::ModelBuild.Imaging.InvalidImageException\">Not an image the decoders read.</exception>");
        code.Line("public Prediction Predict(string path) => Predict(global::ModelBuild.Imaging.ImageDecoder.DecodeFile(path));");
        code.Line();
        code.Line("/// <summary>Runs the model on the image in <paramref name=\"stream\"/> (PNG, JPEG or BMP, read to its end);");
        code.Line("/// thread-safe.</summary>");
        code.Line("/// <param name=\"stream\">The encoded image.</param>");
        code.Line("/// <returns>Every output, and the classification where the model has labels.</returns>");
        code.Line("/// <exception cref=\"global::ModelBuild.Imaging.InvalidImageException\">Not an image the decoders read.</exception>");
        code.Line("public Prediction Predict(global::System.IO.Stream stream)");
        code.Open();
        code.Line("global::System.ArgumentNullException.ThrowIfNull(stream);");
        code.Line("using var copy = new global::System.IO.MemoryStream();");
        code.Line("stream.CopyTo(copy);");
        code.Line("var bytes = new global::System.ReadOnlySpan<byte>(copy.GetBuffer(), 0, (int)copy.Length);");
        code.Line("return Predict(global::ModelBuild.Imaging.ImageDecoder.Decode(bytes, \"stream\"));");
        code.Close();
        code.Line();
        code.Line("/// <summary>");
        code.Line("/// Runs the model on every image, as many per run as the batch dimension takes: all at once where the model leaves");
        code.Line("/// it open, else in runs of its size; thread-safe.");
        code.Line("/// </summary>");
        code.Line($"/// <param name=\"{name}\">The images, each preprocessed as the build calibrated.</param>");
        code.Line("/// <returns>One prediction per image, in order.</returns>");
        code.Line($"public {ReadOnlyList}<Prediction> Predict({ReadOnlyList}<{ImageFrame}> {name})");
        code.Open();
        code.Line($"global::System.ArgumentNullException.ThrowIfNull({name});");
        code.Line($"var results = new global::System.Collections.Generic.List<Prediction>({name}.Count);");
        code.Line($"if ({name}.Count == 0)");
        code.Open();
        code.Line("return results;");
        code.Close();
        code.Line();
        code.Line("var dimension = Inputs[0].Shape[0];");
        code.Line($"var batchSize = dimension < 0 ? {name}.Count : checked((int)dimension);");
        code.Line("using var buffers = CreateBuffers(batchSize);");
        code.Line($"for (var start = 0; start < {name}.Count; start += batchSize)");
        code.Open();
        code.Line($"var count = global::System.Math.Min(batchSize, {name}.Count - start);");
        code.Line("for (var item = 0; item < batchSize; item++)");
        code.Open();
        code.Line("if (item < count)");
        code.Open();
        code.Line($"ModelRun.SetImage(buffers, 0, item, {name}[start + item]);");
        code.Close();
        code.Line("else");
        code.Open();
        code.Line("ModelRun.ClearItem(buffers, 0, item);");
        code.Close();
        code.Close();
        code.Line();
        code.Line("ModelRun.Run(_session, buffers);");
        code.Line("for (var item = 0; item < count; item++)");
        code.Open();
        code.Line("var (data, shapes) = ModelRun.Item(buffers, item);");
        code.Line("results.Add(new Prediction(data, shapes));");
        code.Close();
        code.Close();
        code.Line();
        code.Line("return results;");
        code.Close();
    }

    private static void WritePrediction(CodeWriter code, ModelResult model)
    {
        code.Line();
        var classification = Classified(model) is null ? "" : ", and the classification";
        code.Line($"/// <summary>What one run of '{Xml(model.Name)}' returned: every output as a typed tensor{classification}.</summary>");
        code.Line("public sealed class Prediction");
        code.Open();
        code.Line("private readonly global::System.Array?[] _data;");
        code.Line("private readonly long[]?[] _shapes;");
        var classified = Classified(model);
        if (classified is not null)
        {
            code.Line("private global::ModelBuild.Tensors.Classification? _classification;");
        }

        code.Line();
        code.Line("internal Prediction(global::System.Array?[] data, long[]?[] shapes)");
        code.Open();
        code.Line("_data = data;");
        code.Line("_shapes = shapes;");
        code.Close();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < model.OutputTensors.Count; i++)
        {
            var output = model.OutputTensors[i];
            var property = CSharpIdentifier.FromName(output.Name);
            if (PredictionMembers.Contains(property))
            {
                property += "Output";
            }

            while (!names.Add(property))
            {
                property += i.ToString(CultureInfo.InvariantCulture);
            }

            var type = ClrTypes[output.ElementType];
            code.Line();
            var open = output.Shape.Contains(-1) ? " (-1: known after the run)" : "";
            code.Line($"/// <summary>Output '{Xml(output.Name)}': {output.ElementType} {Shape(output.Shape)}{open}.</summary>");
            code.Line($"public {Tensors}DenseTensor<{type}> {property} => ModelRun.Tensor<{type}>(_data, _shapes, Outputs, {i});");
        }

        code.Line();
        code.Line("/// <summary>The output named <paramref name=\"name\"/>, a tensor of its element type <typeparamref name=\"T\"/>.");
        code.Line("/// </summary>");
        code.Line("/// <typeparam name=\"T\">The output's element type: float for float32, long for int64...</typeparam>");
        code.Line("/// <param name=\"name\">The output's name in the model.</param>");
        code.Line("/// <returns>The tensor over the prediction's data.</returns>");
        code.Line("/// <exception cref=\"global::System.ArgumentException\">The model has no such output.</exception>");
        code.Line("/// <exception cref=\"global::System.InvalidOperationException\"><typeparamref name=\"T\"/> is not its element type.");
        code.Line("/// </exception>");
        code.Line($"public {Tensors}DenseTensor<T> Tensor<T>(string name)");
        code.Line("    where T : unmanaged => ModelRun.Tensor<T>(_data, _shapes, Outputs, ModelRun.IndexOf(Outputs, name));");
        if (classified is { } labelled)
        {
            var softmax = model.ApplySoftmax == true ? "true" : "false";
            var how = model.ApplySoftmax == true
                ? "its logits turned into probabilities by a softmax"
                : "its scores taken as probabilities";
            code.Line();
            code.Line($"/// <summary>Output '{Xml(model.OutputTensors[labelled].Name)}' classified with <see cref=\"Labels\"/> ({how});");
            code.Line("/// the first item of a batch.</summary>");
            code.Line("public global::ModelBuild.Tensors.Classification Classification =>");
            code.Line($"    _classification ??= ModelRun.Classify(_data, _shapes, Outputs, {labelled}, Labels, applySoftmax: {softmax});");
            code.Line();
            code.Line("/// <summary>The most probable label.</summary>");
            code.Line("public string Label => Classification.Label;");
            code.Line();
            code.Line("/// <summary>The probability of <see cref=\"Label\"/>, between 0 and 1.</summary>");
            code.Line("public float Probability => Classification.Probability;");
            code.Line();
            code.Line("/// <summary>The <paramref name=\"count\"/> most probable labels, most probable first.</summary>");
            code.Line("/// <param name=\"count\">How many labels to return at most.</param>");
            code.Line("/// <returns>The labels with their probabilities.</returns>");
            code.Line($"public {ReadOnlyList}<global::ModelBuild.Tensors.ClassProbability> Top(int count) => Classification.Top(count);");
        }

        code.Line();
        code.Line($"internal void Reset(){(classified is null ? " { }" : " => _classification = null;")}");
        code.Close();
    }

    /// <summary>The position of the output the labels classify, when it holds float32 scores; null when there are no labels.</summary>
    private static int? Classified(ModelResult model)
    {
        if (model.Labels is not { Count: > 0 })
        {
            return null;
        }

        var index = model.LabeledOutput is { } name ? model.OutputTensors.ToList().FindIndex(o => o.Name == name) : 0;
        return index >= 0 && model.OutputTensors[index].ElementType == "float32" ? index : null;
    }

    private static List<Parameter> Parameters(IReadOnlyList<ModelTensorResult> inputs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var parameters = new List<Parameter>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var pascal = CSharpIdentifier.FromName(input.Name);
            var name = char.ToLowerInvariant(pascal[0]) + pascal[1..];
            if (Keywords.Contains(name) || name is "path" or "stream")
            {
                name += "Input";
            }

            while (!names.Add(name))
            {
                name += i.ToString(CultureInfo.InvariantCulture);
            }

            var image = IsImage(input);
            var type = image ? ImageFrame : $"{Tensors}DenseTensor<{ClrTypes[input.ElementType]}>";
            parameters.Add(new Parameter(i, name, type, image, input));
        }

        return parameters;
    }

    /// <summary>An input the app feeds images: an image encoding and a shape its preprocessing accepts, float32 or uint8.</summary>
    private static bool IsImage(ModelTensorResult input)
    {
        if (input.ElementType is not ("float32" or "uint8") || input.Encoding is not ("RGB" or "BGR" or "GRAY"))
        {
            return false;
        }

        var shape = input.Shape.ToArray();
        if (shape.Length > 0 && shape[0] < 0)
        {
            shape[0] = 1;
        }

        try
        {
            ModelInputPreprocessing.For(shape, input.Layout, input.Encoding, input.Mean, input.Scale, input.ResizeMethod);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Describe(ModelTensorResult input) =>
        $"{input.Encoding}, {input.Layout ?? "NCHW"} {Shape(input.Shape)}, resized by {input.ResizeMethod ?? "RESIZE"}";

    private static string Shape(IReadOnlyList<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string Xml(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>One parameter of <c>Predict</c>: the input's position, the C# name and type, whether it takes images.</summary>
    private sealed record Parameter(int Index, string Name, string Type, bool IsImage, ModelTensorResult Tensor);
}
