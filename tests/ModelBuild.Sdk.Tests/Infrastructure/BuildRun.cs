using Microsoft.Build.Logging.StructuredLogger;
using ModelBuild.Tests;

namespace ModelBuild.Sdk.Tests.Infrastructure;

/// <summary>A finished build: its console output and what its binary log says happened.</summary>
public sealed class BuildRun
{
    private readonly Lazy<Build> _log;

    public BuildRun(ProcessResult result, string binlogPath)
    {
        Result = result;
        BinlogPath = binlogPath;
        _log = new Lazy<Build>(() => BinaryLog.ReadBuild(binlogPath));
    }

    public ProcessResult Result { get; }

    public string BinlogPath { get; }

    public bool Succeeded => Result.Succeeded;

    public string Output => Result.Output;

    /// <summary>True when the target's body ran (not skipped as up to date, not skipped by condition).</summary>
    public bool TargetRan(string name) =>
        _log.Value.FindChildrenRecursive<Target>(t => t.Name == name && !t.Skipped && t.Children.Count > 0).Count > 0;

    /// <summary>How many times a task executed in the whole build.</summary>
    public int TaskRuns(string name)
        => _log.Value.FindChildrenRecursive<Microsoft.Build.Logging.StructuredLogger.Task>(t => t.Name == name).Count;

    /// <summary>The value of an item's metadata in the final project state, for every item of the type.</summary>
    public IReadOnlyList<string> Messages() =>
        _log.Value.FindChildrenRecursive<Message>().Select(m => m.Text).ToList();

    /// <summary>Errors the build logged, as "code: text (file:line)".</summary>
    public IReadOnlyList<Error> Errors() => _log.Value.FindChildrenRecursive<Error>();

    /// <summary>Warnings the build logged.</summary>
    public IReadOnlyList<Warning> Warnings() => _log.Value.FindChildrenRecursive<Warning>();

    /// <summary>The models the engine compiled, from its summary lines ("ModelBuild: name -> target precision: ...").</summary>
    public IReadOnlyList<string> CompiledModels() => [.. Messages()
        .Where(m => m.StartsWith("ModelBuild: ", StringComparison.Ordinal) && m.Contains(" actions run, ", StringComparison.Ordinal)
            && !m.Contains(" into the cache", StringComparison.Ordinal))
        .Select(m => m["ModelBuild: ".Length..m.IndexOf(" -> ", StringComparison.Ordinal)])
        .Order(StringComparer.Ordinal)];

    /// <summary>Actions computed (not found in the cache), summed over every summary line of the build.</summary>
    public int ActionsRun() => Messages()
        .Select(m => System.Text.RegularExpressions.Regex.Match(m, @"^ModelBuild: .* (\d+) actions run, \d+ from cache"))
        .Where(m => m.Success)
        .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    public void AssertSucceeded()
    {
        if (!Succeeded)
        {
            Assert.Fail("The build failed:\n" + Output);
        }
    }
}
