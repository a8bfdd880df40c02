using System.Text;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Pipeline;
using ModelBuild.Protocol;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>
/// Writes a compiled model into its output folder in obj/: the files from the cache, the build record
/// (<c>buildinfo.json</c>), the dependency list, the list of files to embed, and the result record last. Every file is written beside its
/// final name and renamed into
/// place, so a build never sees half a file; an unchanged file is left alone so its time stamp does
/// not trigger downstream work.
/// </summary>
internal static class ModelOutputFolder
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <param name="listOutputs">Also write <see cref="EngineFiles.Outputs"/>, for MSBuild (not for a command-line compile).</param>
    public static ModelResult Write(
        ModelBuildCache cache,
        CompiledModel model,
        string outputDir,
        string? logicalName,
        string resourcePrefix,
        IReadOnlyList<string> dependencies,
        bool listOutputs)
    {
        StorageFailure.Guard(outputDir, () => Directory.CreateDirectory(outputDir));
        OutputTemporaryFiles.RemoveAbandoned(outputDir);
        var files = new List<ModelOutputFile>();
        foreach (var file in model.Files)
        {
            Restore(cache, file.Blob, Path.Combine(outputDir, file.FileName));

            // The model file (the first) may be given its resource name; the prefix names the files beside it.
            var name = logicalName is not null && file == model.Files[0] ? logicalName : resourcePrefix + file.FileName;
            files.Add(new ModelOutputFile(file.FileName, name, file.Blob.Digest.Hex, file.Blob.Size));
        }

        // The build record: deterministic, so an unchanged compile leaves it (and its time stamp) alone.
        if (model.BuildInfo is { } buildInfo)
        {
            var bytes = BuildInfo.ToBytes(buildInfo);
            var infoPath = Path.Combine(outputDir, BuildInfo.FileName);
            if (!File.Exists(infoPath) || !File.ReadAllBytes(infoPath).AsSpan().SequenceEqual(bytes))
            {
                WriteAtomically(infoPath, target => target.Write(bytes));
            }
        }

        WriteAtomically(Path.Combine(outputDir, EngineFiles.Dependencies), target =>
        {
            using var writer = new StreamWriter(target, Utf8, leaveOpen: true);
            foreach (var dependency in dependencies.Distinct(StringComparer.Ordinal))
            {
                writer.Write(dependency);
                writer.Write('\n');
            }
        });

        if (listOutputs)
        {
            WriteTextAtomically(
                Path.Combine(outputDir, EngineFiles.Outputs),
                string.Concat(files.Select(f => $"{Path.GetFullPath(Path.Combine(outputDir, f.File))}|{f.LogicalName}\n")));
        }

        var result = ToResult(model, files);
        WriteAtomically(Path.Combine(outputDir, EngineFiles.Result), target =>
        {
            using var writer = new StreamWriter(target, Utf8, leaveOpen: true);
            writer.Write(EngineJson.Write(result));
        });
        return result;
    }

    /// <summary>
    /// Writes the files a compile leaves beside its outputs (the quantization report) into <paramref name="outputDir"/>,
    /// each only when its content changed; also for a stage that stops before packaging.
    /// </summary>
    /// <returns>The full path of every file.</returns>
    public static IReadOnlyList<string> WriteAttachments(ModelBuildCache cache, IReadOnlyList<CompiledFile> attachments, string outputDir)
    {
        var paths = new List<string>();
        foreach (var file in attachments)
        {
            StorageFailure.Guard(outputDir, () => Directory.CreateDirectory(outputDir));
            OutputTemporaryFiles.RemoveAbandoned(outputDir);
            var path = Path.GetFullPath(Path.Combine(outputDir, file.FileName));
            Restore(cache, file.Blob, path);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>The last result written into <paramref name="outputDir"/>, or null when there is none or it cannot be read.</summary>
    public static ModelResult? TryRead(string outputDir)
    {
        var path = Path.Combine(outputDir, EngineFiles.Result);
        try
        {
            return File.Exists(path) ? EngineJson.ReadResult(path) : null;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The result record; a multi-stage model's stages each get theirs, named by the stage, with their own files.</summary>
    private static ModelResult ToResult(CompiledModel model, IReadOnlyList<ModelOutputFile> files) => new(
        model.Stage ?? model.Name,
        model.ManifestPath,
        model.Selection.Target.Name,
        model.Selection.Precision.Name,
        files,
        [.. model.Inputs.Select(ToResult)],
        [.. model.Outputs.Select(ToResult)])
    {
        Labels = model.Labels.Count == 0 ? null : model.Labels,
        LabeledOutput = model.LabeledOutput,
        ApplySoftmax = model.ApplySoftmax ? true : null,
        Stages = model.Stages.Count == 0
            ? null
            : [.. model.Stages.Select(s => ToResult(s, [.. s.Files.Select(f => files.First(o => o.File == f.FileName))]))],
        MainStage = model.MainStage,
    };

    private static ModelTensorResult ToResult(TensorDescription t) =>
        new(t.Name, t.ElementType, t.Shape, t.Layout, t.Mean, t.Scale, t.Encoding) { ResizeMethod = t.ResizeMethod };

    /// <summary>
    /// Copies a blob from the cache to <paramref name="path"/> unless the file already has its content: a copy
    /// (a clone where the file system can) hashed as it is made, never a link, so the project's file cannot
    /// change the cache. A blob that is gone, or found corrupt (and quarantined), leaves the file as it was.
    /// </summary>
    /// <exception cref="CacheBlobLostException">The cache no longer holds a valid copy of the blob.</exception>
    private static void Restore(ModelBuildCache cache, StoredBlob blob, string path)
    {
        if (HasContent(path, blob))
        {
            return;
        }

        WriteAtomically(path, target =>
        {
            if (!cache.Content.TryCopyTo(blob.Digest, target))
            {
                throw new CacheBlobLostException(blob, cache.Root);
            }
        });
    }

    private static bool HasContent(string path, StoredBlob blob)
    {
        if (!File.Exists(path) || new FileInfo(path).Length != blob.Size)
        {
            return false;
        }

        using var stream = File.OpenRead(path);
        return Sha256Digest.Compute(stream) == blob.Digest;
    }

    /// <summary>Writes a text file (UTF-8, no BOM) beside its final name and renames it into place.</summary>
    public static void WriteTextAtomically(string path, string text)
    {
        StorageFailure.Guard(path, () => Directory.CreateDirectory(Path.GetDirectoryName(path)!));
        WriteAtomically(path, target =>
        {
            using var writer = new StreamWriter(target, Utf8, leaveOpen: true);
            writer.Write(text);
        });
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = OutputTemporaryFiles.PathFor(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (StorageFailure.TryDescribe(e, path) is { } failure)
        {
            throw new DiagnosticException(failure, e);
        }
        finally
        {
            TryDelete(temporary);
        }

        CrashPoint.Reached(CrashPoint.OutputWritten);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Removed by the next run that writes this folder.
        }
    }
}

