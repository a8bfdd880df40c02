// Classifies text-line images as upright (0°) or upside down (180°) with PaddleOCR's orientation classifier,
// which ModelBuild compiled into this assembly twice (see models/textcls.yaml and the project file): as published
// (FP32) and quantized to INT8 (FP16-INT8). Each generated class loads its model into ONNX Runtime, prepares an
// image exactly as the build did when it calibrated the INT8 model, and names the class by the manifest's labels.
using ModelBuild.Imaging;
using TextOrientation;

using var fp32 = Models.Textcls.Load();
using var int8 = Models.TextclsInt8.Load();

Console.WriteLine($"  {"image",-28} {"FP32",-13} {"FP16-INT8",-13}");
var folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "images");
foreach (var file in Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal))
{
    var image = ImageDecoder.DecodeFile(file);
    var (a, b) = (fp32.Predict(image), int8.Predict(image));
    Console.WriteLine($"  {Path.GetFileName(file),-28} {a.Label + "°",-5} {a.Probability,6:P1} {b.Label + "°",-5} {b.Probability,6:P1}");
}
