using System.Runtime.InteropServices;

namespace ModelBuild.Core.NnArchives;

/// <summary>
/// The system's liblzma (XZ Utils), loaded when first needed: .NET and the packages served here have no xz encoder, and
/// liblzma is the encoder Python's <c>lzma</c> module (and so ModelConverter's archives) use. Only the four calls the xz
/// writer needs are bound.
/// </summary>
internal sealed class LibLzma
{
    /// <summary><c>LZMA_RUN</c>.</summary>
    public const int Run = 0;

    /// <summary><c>LZMA_FINISH</c>.</summary>
    public const int Finish = 3;

    /// <summary><c>LZMA_OK</c>.</summary>
    public const int Ok = 0;

    /// <summary><c>LZMA_STREAM_END</c>.</summary>
    public const int StreamEnd = 1;

    /// <summary><c>LZMA_CHECK_CRC64</c>, Python's default check for the xz format.</summary>
    public const int CheckCrc64 = 4;

    // The names liblzma goes by: Debian/Ubuntu/Fedora ship liblzma.so.5 (no unversioned name without -dev), macOS and
    // Windows builds of XZ Utils liblzma.5.dylib and liblzma.dll.
    private static readonly string[] Names = ["liblzma.so.5", "liblzma.5.dylib", "liblzma.dylib", "liblzma.dll", "lzma"];
    private static readonly Lazy<LibLzma?> Loaded = new(Load);

    private LibLzma(IntPtr handle)
    {
        EasyEncoder = Export<EasyEncoderCall>(handle, "lzma_easy_encoder");
        Code = Export<CodeCall>(handle, "lzma_code");
        End = Export<EndCall>(handle, "lzma_end");
        Version = Marshal.PtrToStringUTF8(Export<VersionCall>(handle, "lzma_version_string")()) ?? "unknown";
    }

    /// <summary><c>lzma_easy_encoder(strm, preset, check)</c>.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int EasyEncoderCall(IntPtr stream, uint preset, int check);

    /// <summary><c>lzma_code(strm, action)</c>.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CodeCall(IntPtr stream, int action);

    /// <summary><c>lzma_end(strm)</c>.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void EndCall(IntPtr stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr VersionCall();

    /// <summary>The names tried, for the error that says none was found.</summary>
    public static string NamesTried => string.Join(", ", Names);

    /// <summary>liblzma, or null when no name loads (or the process is not 64-bit, the only layout bound here).</summary>
    public static LibLzma? Instance => Loaded.Value;

    /// <summary>Starts an encoder.</summary>
    public EasyEncoderCall EasyEncoder { get; }

    /// <summary>Encodes.</summary>
    public CodeCall Code { get; }

    /// <summary>Frees an encoder.</summary>
    public EndCall End { get; }

    /// <summary>liblzma's version, e.g. <c>5.4.1</c>: its encoder's output bytes are fixed for one version.</summary>
    public string Version { get; }

    private static LibLzma? Load()
    {
        if (!Environment.Is64BitProcess)
        {
            return null;
        }

        foreach (var name in Names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return new LibLzma(handle);
            }
        }

        return null;
    }

    private static T Export<T>(IntPtr handle, string name)
        where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(handle, name));

    /// <summary>liblzma's <c>lzma_stream</c> on a 64-bit process; all zero is <c>LZMA_STREAM_INIT</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StreamLayout
    {
        public IntPtr NextIn;
        public UIntPtr AvailIn;
        public ulong TotalIn;
        public IntPtr NextOut;
        public UIntPtr AvailOut;
        public ulong TotalOut;
        public IntPtr Allocator;
        public IntPtr Internal;
        public IntPtr Reserved1;
        public IntPtr Reserved2;
        public IntPtr Reserved3;
        public IntPtr Reserved4;
        public ulong SeekPosition;
        public ulong ReservedInt2;
        public UIntPtr ReservedInt3;
        public UIntPtr ReservedInt4;
        public int ReservedEnum1;
        public int ReservedEnum2;
    }
}
