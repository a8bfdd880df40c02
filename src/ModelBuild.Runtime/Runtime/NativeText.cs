using System.Text;

namespace ModelBuild.Runtime;

/// <summary>Encodes text for the C API: NUL-terminated UTF-8, and <c>ORTCHAR_T</c> paths (UTF-16 on Windows).</summary>
internal static class NativeText
{
    /// <summary>NUL-terminated UTF-8.</summary>
    public static byte[] Utf8(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>A NUL-terminated <c>ORTCHAR_T</c> string: <c>wchar_t</c> (UTF-16) on Windows, UTF-8 <c>char</c> elsewhere.</summary>
    public static byte[] OrtPath(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            return Utf8(path);
        }

        var bytes = new byte[(path.Length + 1) * sizeof(char)];
        Encoding.Unicode.GetBytes(path, bytes);
        return bytes;
    }
}
