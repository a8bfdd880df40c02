using System.Text;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>Indentation-aware line writer with LF line endings, whatever the OS.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _depth * 4).Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Writes each line of <paramref name="text"/> (LF or CRLF separated) at the current indentation.</summary>
    public void Lines(string text)
    {
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            Line(line);
        }
    }

    public void Open()
    {
        Line("{");
        _depth++;
    }

    public void Close() => CloseWith("}");

    public void CloseWith(string closing)
    {
        _depth--;
        Line(closing);
    }

    public override string ToString() => _text.ToString();
}
