using System.Text;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// The log of one vendor compile: every command and every line the tools printed, in order, in one
/// file beside the outputs, and echoed to an optional callback for progress display. Safe across threads.
/// </summary>
public sealed class ToolLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer;
    private readonly Action<string>? _echo;

    /// <param name="path">The log file; created (or truncated), its folder too.</param>
    /// <param name="echo">Receives each line as well, e.g. the engine's console.</param>
    public ToolLog(string path, Action<string>? echo = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _writer = new StreamWriter(new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false))
        {
            AutoFlush = true
        };
        _echo = echo;
    }

    /// <summary>The log file's full path; diagnostics name it.</summary>
    public string Path { get; }

    /// <summary>Appends one line.</summary>
    public void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }

        _echo?.Invoke(line);
    }

    public void Dispose() => _writer.Dispose();
}
