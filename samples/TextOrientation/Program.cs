// Classifies text-line images as upright (0°) or upside down (180°) with PaddleOCR's orientation
// classifier, which ModelBuild compiled into this assembly (see models/textcls.yaml).
using ModelBuild.Imaging;
using ModelBuild.Imaging.Preprocessing;
using ModelBuild.Runtime;
using TextOrientation;

var model = Models.Textcls.Inputs[0];
int height = (int)model.Shape[2], width = (int)model.Shape[3];
string[] labels = ["0°", "180°"];

using var session = new InferenceSession(Models.Textcls.ReadAllBytes());
Console.WriteLine($"{Models.Textcls.Name}: {Models.Textcls.Target} {Models.Textcls.Precision}, sha256 {Models.Textcls.Sha256[..12]}…, ONNX Runtime {OnnxRuntimeLibrary.Version}");

var folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "images");
foreach (var file in Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal))
{
    var image = ImageDecoder.DecodeFile(file);
    var input = Preprocess(image);
    var output = session.Run([new NamedTensor(model.Name, Tensor.Create(input, [1, 3, height, width]))]);
    var scores = output[0].Value.ToArray<float>();
    var best = scores[1] > scores[0] ? 1 : 0;
    Console.WriteLine($"  {Path.GetFileName(file),-28} {labels[best],-5} {scores[best]:P1}");
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
