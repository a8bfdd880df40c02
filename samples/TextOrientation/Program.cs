// Classifies text-line images as upright (0°) or upside down (180°) with PaddleOCR's orientation
// classifier, which ModelBuild compiled into this assembly twice (see models/textcls.yaml and the project
// file): as published (FP32) and quantized to INT8 (FP16-INT8). Both run side by side.
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;
using TextOrientation;

var model = Models.Textcls.Inputs[0];
int height = (int)model.Shape[2], width = (int)model.Shape[3];
string[] labels = ["0°", "180°"];

using var fp32 = new InferenceSession(Models.Textcls.ReadAllBytes());
using var int8 = new InferenceSession(Models.TextclsInt8.ReadAllBytes());
Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
Console.WriteLine($"  {Models.Textcls.Name}: {Models.Textcls.Target} {Models.Textcls.Precision}, {Models.Textcls.Size:N0} bytes, sha256 {Models.Textcls.Sha256[..12]}…");
Console.WriteLine($"  {Models.TextclsInt8.Name}: {Models.TextclsInt8.Target} {Models.TextclsInt8.Precision}, {Models.TextclsInt8.Size:N0} bytes, sha256 {Models.TextclsInt8.Sha256[..12]}…");
Console.WriteLine($"  {"image",-28} {"FP32",-13} {"FP16-INT8",-13}");

var folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "images");
foreach (var file in Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal))
{
    var input = Preprocess(ImageDecoder.DecodeFile(file));
    Console.WriteLine($"  {Path.GetFileName(file),-28} {Classify(fp32, input),-13} {Classify(int8, input),-13}");
}

string Classify(InferenceSession session, float[] input)
{
    using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, height, width]);
    using var runOptions = new RunOptions();
    using var output = session.Run(runOptions, [model.Name], [value], [session.OutputNames[0]]);
    var scores = output[0].GetTensorDataAsSpan<float>();
    var best = scores[1] > scores[0] ? 1 : 0;
    return $"{labels[best],-5} {scores[best],6:P1}";
}

// PaddleOCR's own recipe: scale to the model's height keeping the aspect ratio (at most the model's
// width), normalise with the mean, scale and channel order the accessor publishes, pad the right with 0.
float[] Preprocess(ImageFrame image)
{
    var scaledWidth = Math.Min(width, (int)Math.Ceiling(height * (double)image.Width / image.Height));
    var preprocessor = new ImagePreprocessor(new PreprocessingOptions
    {
        Width = scaledWidth,
        Height = height,
        ResizeMethod = ResizeMethod.Resize,
        Encoding = Enum.Parse<ColorEncoding>(model.Encoding!, ignoreCase: true),
        Layout = TensorLayout.Nchw,
        Mean = [.. model.Mean!.Select(v => (float)v)],
        Scale = [.. model.Scale!.Select(v => (float)v)],
    });
    var scaled = preprocessor.ToFloat(image).Data;
    var padded = new float[3 * height * width];
    for (var channel = 0; channel < 3; channel++)
    {
        for (var y = 0; y < height; y++)
        {
            scaled.AsSpan((channel * height + y) * scaledWidth, scaledWidth)
                .CopyTo(padded.AsSpan((channel * height + y) * width, scaledWidth));
        }
    }

    return padded;
}
