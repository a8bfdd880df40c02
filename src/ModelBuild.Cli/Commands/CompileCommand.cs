using System.CommandLine;
using System.Text.Json;
using ModelBuild.Cli.ProjectIntegration;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Manifest.OpenModelZoo;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.Commands;

/// <summary>
/// <c>modelbuild compile</c>: one manifest from the command line, or a project's request file from
/// the MSBuild task (<c>--request</c>).
/// </summary>
internal static class CompileCommand
{
    public static Command Create()
    {
        var manifest = new Argument<FileInfo?>("manifest") { Description = "The model manifest (YAML).", Arity = ArgumentArity.ZeroOrOne };
        var request = new Option<FileInfo?>("--request")
        {
            Description = "A request file written by the MSBuild task; compiles a project's models."
        };
        var target = new Option<string>("--target") { Description = "The compile target.", DefaultValueFactory = _ => "onnx" };
        var precision = new Option<string>("--precision")
        {
            Description = "FP32, FP16, FP32-INT8 or FP16-INT8, as the target supports.",
            DefaultValueFactory = _ => "FP32"
        };
        var outputDir = new Option<DirectoryInfo?>("--output-dir", "-o")
        {
            Description = "Where the compiled files go (default: ./<name>)."
        };
        var name = new Option<string?>("--name")
        {
            Description = "The model's name in its outputs: one file name (default: the manifest's name:, else its file name)."
        };
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir")
        {
            Description = "The local cache (default: MODELBUILD_CACHE, else the per-user folder)."
        };
        var mainStage = new Option<string?>("--main-stage", "-m")
        {
            Description = "A multi-stage manifest's main stage, which the model's own description is (default: the first stage)."
        };
        var salt = new Option<string?>("--salt") { Description = "Mixed into every action key (ModelBuildCacheSalt)." };
        var parallelism = new Option<int>("--max-parallelism", "-j")
        {
            Description = "Models compiled at once (default: the processor count)."
        };
        var offline = new Option<bool>("--offline") { Description = "No network: sources missing from the cache are errors." };
        var lockFile = new Option<FileInfo?>("--lock-file")
        {
            Description = "A models.lock.json pinning remote sources the manifests do not pin."
        };
        var locked = new Option<bool>("--locked") { Description = "Fail instead of changing the lock file (CI)." };
        var via = new Option<string?>(
            "--via")
        {
            Description = "Vendor targets: modelconverter or toolchain (ModelBuildVendorRoute; default: " +
                "MODELBUILD_VENDOR_ROUTE, else modelconverter; openvino uses the toolchain)."
        };
        var tools = new Option<string[]>(
            "--tool")
        {
            Description = "Vendor targets: name=path of a tool, e.g. compile_tool=/opt/intel/compile_tool (repeatable; " +
                "ModelBuildToolchainPaths)."
        };

        var overrides = OverrideArguments();
        var command = new Command("compile", "Compile models: fetch, prepare, check, and write the outputs.")
        {
            manifest, overrides, request, target, precision, outputDir, name, cacheDir, salt, parallelism, offline, lockFile, locked, via,
            tools, mainStage,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = new DiagnosticConsole();

            // Reading the request is guarded too: a request file the task wrote but the engine cannot read is an engine fault (MB9000).
            return await EngineRun.GuardAsync(console, () =>
            {
                CompileRequest compileRequest;
                if (parse.GetValue(request) is { } requestFile)
                {
                    compileRequest = ReadRequest(requestFile.FullName);
                }
                else if (parse.GetValue(manifest) is { } manifestFile)
                {
                    var givenName = parse.GetValue(name);
                    if (givenName is not null && ModelNameRule.Problem(givenName) is { } problem)
                    {
                        console.Report(
                            ManifestDiagnostics.UnsafeModelName.Create(null, "--name", ModelNameRule.Display(givenName), problem));
                        return Task.FromResult(ExitCodes.Failed);
                    }

                    var modelName = givenName ?? OpenModelZooLoader.DefaultModelName(manifestFile.FullName);
                    var folder = parse.GetValue(outputDir)?.FullName ?? Path.GetFullPath(modelName);
                    var given = ManifestOverrides.FromArguments(parse.GetValue(overrides) ?? []);
                    compileRequest = new CompileRequest(
                        ProjectFile: string.Empty,
                        CacheDir: parse.GetValue(cacheDir)?.FullName,
                        CacheSalt: parse.GetValue(salt),
                        Accessor: null,
                        Models: [new ModelRequest(
                            manifestFile.FullName,
                            modelName,
                            parse.GetValue(target)!,
                            parse.GetValue(precision)!,
                            null,
                            string.Empty,
                            folder,
                            Stale: true)
                        {
                            NameIsDefault = givenName is null,
                            MainStage = parse.GetValue(mainStage),
                            Overrides = given.ToMetadata(),
                        }])
                    {
                        Offline = parse.GetValue(offline),
                        LockFile = parse.GetValue(lockFile)?.FullName,
                        LockedMode = parse.GetValue(locked),
                        VendorRoute = parse.GetValue(via),
                        ToolchainPaths = string.Join(";", parse.GetValue(tools) ?? []),
                    };
                }
                else
                {
                    console.Report(new Diagnostic(
                        "MB9003",
                        DiagnosticSeverity.Error,
                        "Give a manifest to compile, or --request with a request file.",
                        null));
                    return Task.FromResult(ExitCodes.Failed);
                }

                return new CompileRequestRunner(console).RunAsync(compileRequest, parse.GetValue(parallelism), cancellationToken);
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>ModelConverter's overrides after the manifest: <c>key value</c> pairs
    /// (<see cref="ManifestOverrides.FromArguments"/>).</summary>
    internal static Argument<string[]> OverrideArguments() => new("overrides")
    {
        Description = "ModelConverter-style overrides after the manifest, as key value pairs: inputs.0.shape \"[1,3,256,256]\".",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static CompileRequest ReadRequest(string path)
    {
        try
        {
            return EngineJson.ReadRequest(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            throw new InvalidOperationException($"The request file '{path}' cannot be read: {e.Message}", e);
        }
    }
}
