using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelBuild.Cli.Downloads;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild info</c>: Open Model Zoo's info dumper over a folder of manifests — a JSON array
/// with its fields (name, composite_model_name, description, framework, license_url,
/// accuracy_config, model_config, precisions, subdirectory, task_type, input_info, model_stages).
/// </summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var models = new Option<DirectoryInfo?>("--models_dir", "--models-dir")
        {
            Description = "The folder of manifests; default: the current folder."
        };
        var all = new Option<bool>("--all") { Description = "Every model." };
        var name = new Option<string?>("--name") { Description = "Models whose names match one of these comma-separated shell patterns." };
        var list = new Option<FileInfo?>("--list") { Description = "Models matching the patterns in this file." };
        var printAll = new Option<bool>("--print_all", "--print-all") { Description = "Print the names of all models and exit." };
        var command = new Command("info", "Describe models as JSON, like Open Model Zoo's info dumper.") {
            models,
            all,
            name,
            list,
            printAll };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();
            return await EngineRun.GuardAsync(console, () =>
            {
                var root = parse.GetValue(models)?.FullName ?? Environment.CurrentDirectory;
                var catalog = ModelCatalog.Load(root, console.Report);
                if (parse.GetValue(printAll))
                {
                    foreach (var model in catalog)
                    {
                        Console.Out.WriteLine(model.Name);
                    }

                    return Task.FromResult(console.ErrorCount > 0 ? ExitCodes.Failed : ExitCodes.Success);
                }

                var selected = ModelSelection.Select(
                    catalog,
                    parse.GetValue(all),
                    parse.GetValue(name),
                    parse.GetValue(list)?.FullName,
                    root);
                var array = new JsonArray([.. selected.Select(m => (JsonNode)Describe(m, root))]);
                Console.Out.WriteLine(array.ToJsonString(new JsonSerializerOptions
                {
                    WriteIndented = true,
                    IndentSize = 4,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping
                }));
                return Task.FromResult(console.ErrorCount > 0 ? ExitCodes.Failed : ExitCodes.Success);
            }).ConfigureAwait(false);
        });
        return command;
    }

    internal static JsonObject Describe(CatalogModel model, string root, string? compositeName = null)
    {
        var folder = Path.GetDirectoryName(model.ManifestPath)!;
        var accuracy = Path.Combine(folder, "accuracy-check.yml");
        if (model.Composite is { } composite)
        {
            return new JsonObject
            {
                ["name"] = composite.Name,
                ["composite_model_name"] = composite.Name,
                ["description"] = composite.Description,
                ["framework"] = composite.Framework,
                ["license_url"] = composite.License,
                ["accuracy_config"] = File.Exists(accuracy) ? accuracy : null,
                ["model_config"] = null,
                ["precisions"] = new JsonArray([.. composite.Precisions.Order(StringComparer.Ordinal).Select(p => (JsonNode)p)]),
                ["subdirectory"] = composite.Subdirectory,
                ["task_type"] = composite.TaskType,
                ["input_info"] = new JsonArray(),
                ["model_stages"] = new JsonArray([.. model.Parts.Select(p => (JsonNode)Describe(p, root, composite.Name))]),
            };
        }

        if (model.OpenModelZoo is { } omz)
        {
            return new JsonObject
            {
                ["name"] = omz.Name,
                ["composite_model_name"] = compositeName,
                ["description"] = omz.Description,
                ["framework"] = omz.Framework.Value,
                ["license_url"] = omz.License,
                ["accuracy_config"] = File.Exists(accuracy) ? accuracy : null,
                ["model_config"] = omz.FilePath,
                ["precisions"] = new JsonArray([.. omz.Precisions.Order(StringComparer.Ordinal).Select(p => (JsonNode)p)]),
                ["subdirectory"] = omz.Subdirectory,
                ["task_type"] = omz.TaskType,
                ["input_info"] = new JsonArray([.. omz.InputInfo.Select(i => (JsonNode)new JsonObject
                {
                    ["name"] = i.Name,
                    ["shape"] = new JsonArray([.. i.Shape.Select(d => (JsonNode)d)]),
                    ["layout"] = i.Layout,
                })]),
                ["model_stages"] = new JsonArray(),
            };
        }

        // A ModelBuild manifest: the fields it has; precisions are those the onnx target can produce.
        var stage = model.Manifest!.Stages[0];
        return new JsonObject
        {
            ["name"] = model.Name,
            ["composite_model_name"] = null,
            ["description"] = model.Manifest.Name.Value,
            ["framework"] = stage.InputModel.Format == ModelFileFormat.OpenVinoIr
                ? "dldt"
                : stage.InputModel.Format.ToString().ToLowerInvariant(),
            ["license_url"] = null,
            ["accuracy_config"] = File.Exists(accuracy) ? accuracy : null,
            ["model_config"] = model.ManifestPath,
            ["precisions"] = new JsonArray(
                [.. TargetCatalog.Onnx.Supported.Select(p => p.ToString()).Order(StringComparer.Ordinal).Select(p => (JsonNode)p)]),
            ["subdirectory"] = model.Subdirectory,
            ["task_type"] = null,
            ["input_info"] = new JsonArray([.. stage.Inputs.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name.Value,
                ["shape"] = new JsonArray([.. (i.Shape?.Value ?? stage.Defaults.Shape?.Value ?? []).Select(d => (JsonNode)d)]),
                ["layout"] = i.Layout?.Value ?? stage.Defaults.Layout?.Value ?? "",
            })]),
            ["model_stages"] = new JsonArray(),
        };
    }
}
