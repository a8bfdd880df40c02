using System.Diagnostics;
using System.Globalization;

namespace ModelBuild.Core.Cache;

/// <summary>
/// The process that writes a file in <c>tmp/</c>, written into the file's name
/// (<c>p&lt;pid&gt;.&lt;machine&gt;.&lt;guid&gt;&lt;suffix&gt;</c>). A file whose writer is known to be dead
/// is a crash's leftover and can go at once; files of other machines sharing the folder are judged
/// by age only, because their processes cannot be seen from here.
/// </summary>
internal sealed record TempFileOwner(int ProcessId, string Machine)
{
    public static TempFileOwner Current { get; } = new(Environment.ProcessId, Sanitize(Environment.MachineName));

    public string NewName(string suffix) =>
        string.Create(CultureInfo.InvariantCulture, $"p{ProcessId}.{Machine}.{Guid.NewGuid():N}{suffix}");

    /// <summary>The owner written in <paramref name="fileName"/>, or null for a name in another form.</summary>
    public static TempFileOwner? TryParse(string fileName)
    {
        var parts = fileName.Split('.');
        if (parts.Length < 3 || parts[0].Length < 2 || parts[0][0] != 'p'
            || !int.TryParse(parts[0].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            || parts[2].Length != 32)
        {
            return null;
        }

        return new TempFileOwner(processId, parts[1]);
    }

    /// <summary>True when the owner ran on this machine and no longer runs.</summary>
    public bool IsDeadOnThisMachine()
    {
        if (Machine != Current.Machine || ProcessId == Current.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(ProcessId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // No process with that id.
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static string Sanitize(string machine)
    {
        var letters = machine.Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').Take(40).ToArray();
        return letters.Length == 0 ? "machine" : new string(letters);
    }
}
