using Google.Protobuf;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Sessions;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Inference;

/// <summary>
/// Runs a model over folders of tensors in ModelConverter's layout: <c>&lt;in&gt;/&lt;input name&gt;/&lt;n&gt;.npy</c>
/// (or ONNX <c>TensorProto</c> <c>.pb</c> files) in, <c>&lt;out&gt;/&lt;output name&gt;/&lt;n&gt;.npy</c> out, one
/// sample per file name, every input with the same file names.
/// </summary>
public sealed class TensorFolderInference(Action<Diagnostic> report, Action<string> info)
{
    private static readonly string[] TensorExtensions = [".npy", ".pb"];

    /// <summary>
    /// Runs every sample and writes the requested outputs (all when <paramref name="outputNames"/> is empty); false when a
    /// mistake in the model or the folders was reported (<see cref="InferenceDiagnostics"/>) and nothing was run.
    /// </summary>
    public bool Run(string modelPath, string inputDir, string outputDir, IReadOnlyList<string> outputNames)
    {
        if (!File.Exists(modelPath))
        {
            report(InferenceDiagnostics.ModelNotFound.Create(null, Path.GetFullPath(modelPath)));
            return false;
        }

        using var session = new ModelSession(modelPath);
        var samples = FindSamples(session, inputDir);
        if (samples is null)
        {
            return false;
        }

        var requested = outputNames.Count > 0 ? outputNames : [.. session.Outputs.Select(o => o.Name)];
        foreach (var (sample, files) in samples)
        {
            var inputs = new List<NamedTensor>(files.Count);
            foreach (var (name, file) in files)
            {
                inputs.Add(new NamedTensor(name, ReadTensor(file)));
            }

            IReadOnlyList<NamedTensor> outputs;
            try
            {
                outputs = session.Run(inputs, requested);
            }
            catch (Exception e) when (e is OnnxRuntimeErrorException or ArgumentException)
            {
                throw new DiagnosticException(
                    InferenceDiagnostics.SampleFailed.Create(new SourceLocation(files[0].File), sample, e.Message));
            }

            foreach (var output in outputs)
            {
                var folder = Path.Combine(outputDir, output.Name);
                Directory.CreateDirectory(folder);
                NpyFile.Write(Path.Combine(folder, sample + ".npy"), output.Value);
            }
        }

        info($"ModelBuild: ran {samples.Count} sample(s) of '{modelPath}'; outputs [{string.Join(", ", requested)}] in " +
            $"'{Path.GetFullPath(outputDir)}'.");
        return true;
    }

    /// <summary>Sample name → (input name, file) per model input, or null when the folders do not line up.</summary>
    private SortedDictionary<string, List<(string Name, string File)>>? FindSamples(ModelSession session, string inputDir)
    {
        var samples = new SortedDictionary<string, List<(string Name, string File)>>(SampleNameComparer.Instance);
        string? firstInput = null;
        foreach (var input in session.Inputs)
        {
            var folder = Path.Combine(inputDir, input.Name);
            if (!Directory.Exists(folder))
            {
                report(InferenceDiagnostics.InputFolderMissing.Create(null, input.Name, Path.GetFullPath(folder)));
                return null;
            }

            var files = Directory.EnumerateFiles(folder)
                .Where(f => TensorExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal);
            if (files.Count == 0)
            {
                report(InferenceDiagnostics.NoSamples.Create(null, Path.GetFullPath(folder)));
                return null;
            }

            if (firstInput is not null && !files.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(samples.Keys))
            {
                report(InferenceDiagnostics.SamplesDiffer.Create(
                    null, input.Name, string.Join(", ", files.Keys.Order(SampleNameComparer.Instance)), firstInput, string.Join(
                        ", ",
                        samples.Keys)));
                return null;
            }

            firstInput ??= input.Name;
            foreach (var (sample, file) in files)
            {
                if (!samples.TryGetValue(sample, out var list))
                {
                    samples[sample] = list = [];
                }

                list.Add((input.Name, file));
            }
        }

        return samples;
    }

    private static Tensor ReadTensor(string file)
    {
        if (file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            return NpyFile.Read(file);
        }

        TensorProto proto;
        try
        {
            proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(file));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DiagnosticException(InferenceDiagnostics.NotATensorProto.Create(new SourceLocation(file), file, e.Message));
        }

        return TensorProtoConversion.ToTensor(proto);
    }

    /// <summary>Orders sample names numerically when they are numbers (2 before 10), else ordinally.</summary>
    private sealed class SampleNameComparer : IComparer<string>
    {
        public static readonly SampleNameComparer Instance = new();

        public int Compare(string? x, string? y) =>
            long.TryParse(x, out var a) && long.TryParse(y, out var b) ? a.CompareTo(b) : string.CompareOrdinal(x, y);
    }
}
