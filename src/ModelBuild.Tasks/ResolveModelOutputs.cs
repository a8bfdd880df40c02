using System.Collections.Generic;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelBuild.Protocol;

namespace ModelBuild.Tasks;

/// <summary>
/// Turns each model's last result record into the items the build needs: embedded resources with an
/// explicit logical name (never culture-specific) and the files the build wrote. Runs on every build,
/// including when the compile target was skipped, so incremental builds embed the same files.
/// </summary>
public sealed class ResolveModelOutputs : Microsoft.Build.Utilities.Task
{
    /// <summary>The project's models with their OutputDir metadata.</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>Each compiled file, with LogicalName, WithCulture=false, the model's Name and its Embed metadata.</summary>
    [Output]
    public ITaskItem[] Resources { get; private set; } = [];

    /// <summary>Every file the engine wrote for these models, for FileWrites and clean.</summary>
    [Output]
    public ITaskItem[] WrittenFiles { get; private set; } = [];

    public override bool Execute()
    {
        var resources = new List<ITaskItem>();
        var written = new List<ITaskItem>();
        foreach (var model in Models)
        {
            var outputDir = model.GetMetadata("OutputDir");
            var resultPath = Path.Combine(outputDir, EngineFiles.Result);
            if (!File.Exists(resultPath))
            {
                // Not compiled yet (a design-time build before the first real one): nothing to embed.
                continue;
            }

            var result = EngineJson.ReadResult(resultPath);
            foreach (var output in result.Outputs)
            {
                var path = Path.Combine(outputDir, output.File);
                var item = new TaskItem(path);
                item.SetMetadata("LogicalName", output.LogicalName);
                item.SetMetadata("WithCulture", "false");
                item.SetMetadata("Type", "Non-Resx");
                item.SetMetadata("ModelName", result.Name);
                item.SetMetadata("Sha256", output.Sha256);
                item.SetMetadata("Embed", model.GetMetadata("Embed"));
                resources.Add(item);
                written.Add(new TaskItem(path));
            }

            written.Add(new TaskItem(resultPath));
            var dependencies = Path.Combine(outputDir, EngineFiles.Dependencies);
            if (File.Exists(dependencies))
            {
                written.Add(new TaskItem(dependencies));
            }
        }

        Resources = [.. resources];
        WrittenFiles = [.. written];
        return !Log.HasLoggedErrors;
    }
}
