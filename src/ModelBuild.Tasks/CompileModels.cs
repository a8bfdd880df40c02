using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelBuild.Protocol;

namespace ModelBuild.Tasks;

/// <summary>
/// Starts the ModelBuild engine once for a project, with every model and which of them are stale.
/// The engine does the work; this task only decides staleness from file times, writes the request
/// and forwards the engine's canonical diagnostics to MSBuild.
/// </summary>
public sealed class CompileModels : ToolTask
{
    private string _requestFile = string.Empty;

    /// <summary>
    /// The project's models: item spec = manifest path; metadata Name, ModelTarget, Precision, LogicalName,
    /// ResourcePrefix, OutputDir, StampFile, Embed, Access, Overrides, CalibrationFullPath, Package, MainStage.
    /// </summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>The engine's entry assembly, <c>modelbuild.dll</c>.</summary>
    [Required]
    public string EngineAssembly { get; set; } = string.Empty;

    /// <summary>The engine's own files; a newer engine recompiles every model.</summary>
    public ITaskItem[] EngineFiles { get; set; } = [];

    /// <summary>The folder for the request file.</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = string.Empty;

    /// <summary>Lists the project's models and accessor settings; newer than the compile stamp means the accessor is stale.</summary>
    [Required]
    public string ProjectStampFile { get; set; } = string.Empty;

    /// <summary>Touched after every successful run; the compile target's up-to-date marker.</summary>
    [Required]
    public string CompileStampFile { get; set; } = string.Empty;

    /// <summary>The <c>dotnet</c> executable that runs the engine (MSBuild's <c>DOTNET_HOST_PATH</c>).</summary>
    public string? DotNetHostPath { get; set; }

    public string? ProjectFile { get; set; }

    public string? CacheDir { get; set; }

    public string? CacheSalt { get; set; }

    /// <summary>ModelBuildRemoteCache: an http(s):// or redis:// remote cache; empty for none.</summary>
    public string? RemoteCache { get; set; }

    /// <summary>ModelBuildRemoteCacheReadOnly: read the remote cache, never write it.</summary>
    public bool RemoteCacheReadOnly { get; set; }

    /// <summary>ModelBuildCacheMaxSize: the local cache's size budget (10GiB, 500MB, bytes).</summary>
    public string? CacheMaxSize { get; set; }

    /// <summary>ModelBuildVendorRoute: modelconverter or toolchain, for the vendor targets; empty for the default.</summary>
    public string? VendorRoute { get; set; }

    /// <summary>ModelBuildToolchainPaths: vendor tools as name=path separated by ';'.</summary>
    public string? ToolchainPaths { get; set; }

    /// <summary>ModelBuildToolchainTimeoutMinutes: the longest one vendor tool run may take.</summary>
    public int ToolchainTimeoutMinutes { get; set; }

    /// <summary>Where the generated accessor goes; empty to generate none.</summary>
    public string? AccessorFile { get; set; }

    public string? AccessorNamespace { get; set; }

    public string? AccessorClassName { get; set; }

    public bool AccessorPublic { get; set; }

    /// <summary>ModelBuildOffline: no network; what the cache lacks is an error.</summary>
    public bool Offline { get; set; }

    /// <summary>ModelBuildLockedMode: the lock file must not change.</summary>
    public bool LockedMode { get; set; }

    /// <summary>The project's models.lock.json; empty for none.</summary>
    public string? LockFile { get; set; }

    /// <summary>ModelBuildMaxParallelism: models and downloads at once; 0 for the processor count.</summary>
    public int MaxParallelism { get; set; }

    /// <summary>NuGet's global packages folder, $(NuGetPackageRoot), for nuget: sources.</summary>
    public string? NuGetPackageRoot { get; set; }

    /// <summary>
    /// Stop after this stage (download, convert or quantize): every model is handed to the engine, which
    /// computes into the cache only; nothing in the project is written or marked. Empty for the whole compile.
    /// </summary>
    public string? Stage { get; set; }

    /// <summary>
    /// Where to list, separated by <c>;</c>, every manifest and local file the models read, for the
    /// evaluation-time <c>UpToDateCheckInput</c> items of IDE fast up-to-date checks.
    /// </summary>
    public string? LocalInputsFile { get; set; }

    /// <summary>The models that were stale and handed to the engine.</summary>
    [Output]
    public ITaskItem[] StaleModels { get; private set; } = [];

    protected override string ToolName => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";

    public override bool Execute()
    {
        var stageRun = !string.IsNullOrEmpty(Stage);
        var requests = new List<ModelRequest>(Models.Length);
        var stale = new List<ITaskItem>();
        var engineFiles = EngineFiles.Select(f => f.GetMetadata("FullPath")).ToList();
        foreach (var model in Models)
        {
            var outputDir = model.GetMetadata("OutputDir");
            var reason = stageRun
                ? $"the {Stage} stage was asked for"
                : ModelStaleness.Check(
                    Path.Combine(outputDir, Protocol.EngineFiles.Result),
                    new[] {
                        model.GetMetadata("FullPath"),
                        model.GetMetadata("StampFile"),
                        Path.Combine(outputDir, Protocol.EngineFiles.Outputs) }.Concat(engineFiles),
                    Path.Combine(outputDir, Protocol.EngineFiles.Dependencies));
            if (reason is not null)
            {
                Log.LogMessage(MessageImportance.Low, $"ModelBuild: '{model.GetMetadata("Name")}' is stale: {reason}.");
                stale.Add(model);
            }

            var access = model.GetMetadata("Access");
            requests.Add(new ModelRequest(
                Manifest: model.GetMetadata("FullPath"),
                Name: model.GetMetadata("Name"),
                Target: model.GetMetadata("ModelTarget"),
                Precision: model.GetMetadata("Precision"),
                LogicalName: NullIfEmpty(model.GetMetadata("LogicalName")),
                ResourcePrefix: model.GetMetadata("ResourcePrefix"),
                OutputDir: outputDir,
                Stale: reason is not null)
            {
                Overrides = NullIfEmpty(model.GetMetadata("Overrides")),
                Calibration = NullIfEmpty(model.GetMetadata("CalibrationFullPath")),
                Embed = !string.Equals(model.GetMetadata("Embed"), "false", StringComparison.OrdinalIgnoreCase),
                Package = NullIfEmpty(model.GetMetadata("Package")),
                Public = access.Length == 0 ? null : string.Equals(access, "public", StringComparison.OrdinalIgnoreCase),
                NameIsDefault = string.Equals(model.GetMetadata("NameIsDefault"), "true", StringComparison.OrdinalIgnoreCase),
                MainStage = NullIfEmpty(model.GetMetadata("MainStage")),
            });
        }

        StaleModels = [.. stale];
        if (!stageRun && stale.Count == 0 && !AccessorIsStale())
        {
            // Some input looked newer than some output, yet every model is up to date on its own
            // (another model's input changed since this one was compiled): no engine, just mark it.
            Log.LogMessage(MessageImportance.Normal, "ModelBuild: every model is up to date; the engine is not started.");
            TouchResults();
            return true;
        }

        var accessor = stageRun || string.IsNullOrEmpty(AccessorFile)
            ? null
            : new AccessorRequest(AccessorFile!, AccessorNamespace ?? string.Empty, AccessorClassName ?? "Models", AccessorPublic);
        var request = new CompileRequest(
            ProjectFile ?? BuildEngine.ProjectFileOfTaskNode,
            NullIfEmpty(CacheDir),
            NullIfEmpty(CacheSalt),
            accessor,
            requests)
        {
            Offline = Offline,
            LockedMode = LockedMode,
            LockFile = NullIfEmpty(LockFile),
            MaxParallelism = MaxParallelism,
            NuGetPackageRoot = NullIfEmpty(NuGetPackageRoot),
            RemoteCache = NullIfEmpty(RemoteCache),
            RemoteCacheReadOnly = RemoteCacheReadOnly,
            CacheMaxSize = NullIfEmpty(CacheMaxSize),
            VendorRoute = NullIfEmpty(VendorRoute),
            ToolchainPaths = NullIfEmpty(ToolchainPaths),
            ToolchainTimeoutMinutes = ToolchainTimeoutMinutes,
            Stage = NullIfEmpty(Stage),
        };

        Directory.CreateDirectory(IntermediateDirectory);

        // A stage run has its own request file: a build running at the same time keeps its own.
        _requestFile = Path.Combine(IntermediateDirectory, stageRun ? $"request-{Stage}.json" : Protocol.EngineFiles.Request);
        File.WriteAllText(_requestFile, EngineJson.Write(request));
        if (!base.Execute())
        {
            return false;
        }

        if (!stageRun)
        {
            TouchResults();
            WriteLocalInputs();
        }

        return true;
    }

    /// <summary>Lists every manifest and every local file the last compiles read, for the next evaluation.</summary>
    private void WriteLocalInputs()
    {
        if (string.IsNullOrEmpty(LocalInputsFile))
        {
            return;
        }

        var inputs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var model in Models)
        {
            inputs.Add(model.GetMetadata("FullPath"));
            var dependencies = Path.Combine(model.GetMetadata("OutputDir"), Protocol.EngineFiles.Dependencies);
            if (File.Exists(dependencies))
            {
                inputs.UnionWith(File.ReadAllLines(dependencies).Where(line => line.Length > 0));
            }
        }

        var text = string.Join(";", inputs);
        if (!File.Exists(LocalInputsFile) || File.ReadAllText(LocalInputsFile) != text)
        {
            File.WriteAllText(LocalInputsFile, text);
        }
    }

    private bool AccessorIsStale() =>
        !string.IsNullOrEmpty(AccessorFile)
        && (!File.Exists(AccessorFile) || !File.Exists(CompileStampFile)
            || File.GetLastWriteTimeUtc(ProjectStampFile) > File.GetLastWriteTimeUtc(CompileStampFile));

    /// <summary>Makes every result and the compile stamp newer than every input, so the next build skips the target.</summary>
    private void TouchResults()
    {
        var now = DateTime.UtcNow;
        foreach (var model in Models)
        {
            var result = Path.Combine(model.GetMetadata("OutputDir"), Protocol.EngineFiles.Result);
            if (File.Exists(result))
            {
                File.SetLastWriteTimeUtc(result, now);
            }
        }

        File.WriteAllText(CompileStampFile, string.Empty);
        File.SetLastWriteTimeUtc(CompileStampFile, now);
    }

    protected override string GenerateFullPathToTool() =>
        !string.IsNullOrEmpty(DotNetHostPath) && File.Exists(DotNetHostPath) ? DotNetHostPath! : ToolName;

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        builder.AppendSwitch("exec");
        builder.AppendFileNameIfNotNull(EngineAssembly);
        builder.AppendSwitch("compile");
        builder.AppendSwitch("--request");
        builder.AppendFileNameIfNotNull(_requestFile);
        return builder.ToString();
    }

    protected override bool ValidateParameters()
    {
        if (File.Exists(EngineAssembly))
        {
            return true;
        }

        Log.LogError(
            subcategory: null, errorCode: "MB7001", helpKeyword: null, file: ProjectFile ?? BuildEngine.ProjectFileOfTaskNode,
            lineNumber: 0, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0,
            message: string.Format(CultureInfo.InvariantCulture, "The ModelBuild engine was not found at '{0}'. Set ModelBuildToolPath " +
                "to the folder holding modelbuild.dll, or restore the ModelBuild.Sdk package again.", EngineAssembly));
        return false;
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        // Action keys are for detailed verbosity; canonical "file(line,col): error MBnnnn: text" lines become real errors on that line.
        if (singleLine.StartsWith(EngineOutput.DetailPrefix, StringComparison.Ordinal))
        {
            Log.LogMessage(MessageImportance.Low, singleLine.Substring(EngineOutput.DetailPrefix.Length));
            return;
        }

        if (singleLine.StartsWith(EngineOutput.HighPrefix, StringComparison.Ordinal))
        {
            Log.LogMessage(MessageImportance.High, singleLine.Substring(EngineOutput.HighPrefix.Length));
            return;
        }

        Log.LogMessageFromText(singleLine, MessageImportance.Normal);
    }

    /// <summary>
    /// The engine's command line is a detail, for detailed verbosity. A plain low-importance message: the
    /// console logger shows command-line events at normal verbosity whenever a binary log is attached.
    /// </summary>
    protected override void LogToolCommand(string message) => Log.LogMessage(MessageImportance.Low, message);

    protected override bool HandleTaskExecutionErrors() =>
        // The engine has reported what went wrong in canonical form; MSB6006 would only repeat it.
        Log.HasLoggedErrors ? false : base.HandleTaskExecutionErrors();

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
