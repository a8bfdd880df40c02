using System.CommandLine;
using ModelBuild.Core.Inference;

namespace ModelBuild.Cli.Commands;

/// <summary><c>modelbuild infer</c>: runs a model on folders of tensors, as ModelConverter's <c>infer</c> does.</summary>
internal static class InferCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model to run." };
        var inputDir = new Option<DirectoryInfo>("--input-dir")
        {
            Description = "Holds <input name>/<n>.npy (or .pb) files, one per sample.",
            Required = true
        };
        var outputDir = new Option<DirectoryInfo>("--output-dir")
        {
            Description = "Receives <output name>/<n>.npy files.",
            Required = true
        };
        var outputs = new Option<string[]>("--outputs")
        {
            Description = "Only these outputs (default: every model output).",
            AllowMultipleArgumentsPerToken = true
        };

        var command = new Command("infer", "Run a model on folders of .npy or TensorProto .pb inputs and write .npy outputs.")
        {
            model, inputDir, outputDir, outputs,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();
            return await EngineRun.GuardAsync(console, () => Task.FromResult(new TensorFolderInference(console.Report, console.Info).Run(
                parse.GetValue(model)!.FullName,
                parse.GetValue(inputDir)!.FullName,
                parse.GetValue(outputDir)!.FullName,
                parse.GetValue(outputs) ?? []) ? ExitCodes.Success : ExitCodes.Failed)).ConfigureAwait(false);
        });
        return command;
    }
}
