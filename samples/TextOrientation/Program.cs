// Classifies text-line images as upright (0°) or upside down (180°) with PaddleOCR's orientation
// classifier, which ModelBuild compiled into this assembly twice (see models/textcls.yaml and the project
// file): as published (FP32) and quantized to INT8 (FP16-INT8). Both run side by side in ONNX Runtime.
using Microsoft.ML.OnnxRuntime;
using ModelBuild.Imaging;
using TextOrientation;

string[] labels = ["0°", "180°"];

using var fp32 = Models.Textcls.CreateSession();
using var int8 = Models.TextclsInt8.CreateSession();
Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
Console.WriteLine($"  {Models.Textcls.Name}: {Models.Textcls.Target} {Models.Textcls.Precision}, {Models.Textcls.Size:N0} bytes, sha256 {Models.Textcls.Sha256[..12]}…");
Console.WriteLine($"  {Models.TextclsInt8.Name}: {Models.TextclsInt8.Target} {Models.TextclsInt8.Precision}, {Models.TextclsInt8.Size:N0} bytes, sha256 {Models.TextclsInt8.Sha256[..12]}…");
Console.WriteLine($"  {"image",-28} {"FP32",-13} {"FP16-INT8",-13}");

var folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "images");
foreach (var file in Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal))
{
    // The accessor resizes (PAD_RIGHT, as the manifest says), orders the channels and normalises exactly as the
    // build did when it calibrated the INT8 model.
    var input = Models.Textcls.Inputs[0].ToNamedOnnxValue(ImageDecoder.DecodeFile(file));
    Console.WriteLine($"  {Path.GetFileName(file),-28} {Classify(fp32, input),-13} {Classify(int8, input),-13}");
}

string Classify(InferenceSession session, NamedOnnxValue input)
{
    using var output = session.Run([input]);
    var scores = output[0].AsEnumerable<float>().ToArray();
    var best = scores[1] > scores[0] ? 1 : 0;
    return $"{labels[best],-5} {scores[best],6:P1}";
}
