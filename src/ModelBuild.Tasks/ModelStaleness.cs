using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ModelBuild.Tasks;

/// <summary>
/// Decides, from file times alone, whether a model's last compile result is still good:
/// the result must exist and be newer than everything that went into it.
/// </summary>
internal static class ModelStaleness
{
    /// <summary>Returns why the model is stale, or null when it is up to date.</summary>
    /// <param name="resultFile">The engine's result record for the model, written last.</param>
    /// <param name="inputs">The manifest, the metadata stamp, the engine's own files.</param>
    /// <param name="dependencyFile">The list of local files the last compile read, one per line.</param>
    public static string? Check(string resultFile, IEnumerable<string> inputs, string dependencyFile)
    {
        if (!File.Exists(resultFile))
        {
            return "it has not been compiled yet";
        }

        var resultTime = File.GetLastWriteTimeUtc(resultFile);
        var dependencies = File.Exists(dependencyFile)
            ? File.ReadAllLines(dependencyFile).Where(line => line.Length > 0)
            : [];
        foreach (var input in inputs.Concat(dependencies))
        {
            if (!File.Exists(input))
            {
                return $"'{input}' no longer exists";
            }

            if (File.GetLastWriteTimeUtc(input) > resultTime)
            {
                return $"'{input}' changed";
            }
        }

        return null;
    }
}
