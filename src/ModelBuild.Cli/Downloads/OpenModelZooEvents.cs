using System.Globalization;
using System.Text;
using ModelBuild.Core.Sources;

using ModelBuild.Core.Zoo;

namespace ModelBuild.Cli.Downloads;

/// <summary>
/// <c>--progress_format json</c>: Open Model Zoo's machine-readable events, one JSON object per
/// line, written exactly as its downloader writes them (<c>$type</c> first, then the model and
/// file, then the event's own members; Python's separators and ASCII escaping). The guarantees:
/// per model, <c>model_download_begin</c> comes first; each file's events are
/// <c>model_file_download_begin</c>, any number of <c>model_file_download_progress</c> with a
/// growing <c>size</c>, then <c>model_file_download_end</c>, one file after another; then
/// <c>model_download_end</c>; then, only on success and if the model has postprocessing,
/// <c>model_postprocessing_begin</c> and <c>model_postprocessing_end</c>. Models downloaded in
/// parallel (<c>-j</c>) interleave, but lines never do.
/// </summary>
internal sealed class OpenModelZooEvents(TextWriter output) : IDownloadReporter
{
    private readonly Lock _gate = new();

    public void ModelBegin(string model, int files) => Emit("model_download_begin", ("model", model), ("num_files", files));

    public void FileBegin(string model, string file, long size)
        => Emit("model_file_download_begin", ("model", model), ("model_file", file), ("size", size));

    public void FileProgress(string model, string file, long bytes, long size, TimeSpan elapsed)
        => Emit("model_file_download_progress", ("model", model), ("model_file", file), ("size", bytes));

    public void FileEnd(string model, string file, bool successful, DownloadFinished? details)
        => Emit("model_file_download_end", ("model", model), ("model_file", file), ("successful", successful));

    public void ModelEnd(string model, bool successful) => Emit("model_download_end", ("model", model), ("successful", successful));

    public void PostprocessingBegin(string model) => Emit("model_postprocessing_begin", ("model", model));

    public void PostprocessingEnd(string model) => Emit("model_postprocessing_end", ("model", model));

    public void Failed(IReadOnlyList<string> models)
    {
        // The JSON stream carries failures in its events; Open Model Zoo prints no summary in this mode.
    }

    private void Emit(string type, params (string Name, object Value)[] members)
    {
        var line = Line(type, members);
        lock (_gate)
        {
            output.Write(line.Append('\n').ToString());
            output.Flush();
        }
    }

    /// <summary>One event as Open Model Zoo's tools write it: <c>$type</c> first, then the members in order.</summary>
    internal static StringBuilder Line(string type, params (string Name, object Value)[] members)
    {
        var line = new StringBuilder("{\"$type\": ").Append(Quote(type));
        foreach (var (name, value) in members)
        {
            line.Append(", ").Append(Quote(name)).Append(": ").Append(value switch
            {
                string text => Quote(text),
                bool flag => flag ? "true" : "false",
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new ArgumentException("Unsupported event member type.", nameof(members)),
            });
        }

        return line.Append('}');
    }

    /// <summary>A JSON string as Python's json.dumps writes it (non-ASCII as \uXXXX).</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                _ when c < 0x20 || c > 0x7e => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
