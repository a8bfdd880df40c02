using System.Runtime.InteropServices;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.NnArchives;

/// <summary>
/// A write-only stream that compresses into <c>.xz</c> with liblzma's preset 6 and a CRC64 check — what Python's
/// <c>tarfile.open(name, "w:xz")</c> writes, so an NN Archive from ModelBuild is made as ModelConverter makes it. The
/// encoder is single-threaded, so the same bytes in give the same bytes out for one liblzma version.
/// </summary>
internal sealed class XzEncoderStream : Stream
{
    private const uint Preset = 6;
    private const int BufferSize = 1 << 16;

    private readonly Stream _output;
    private readonly LibLzma _lzma;
    private readonly IntPtr _stream;
    private readonly byte[] _in = new byte[BufferSize];
    private readonly byte[] _out = new byte[BufferSize];
    private readonly GCHandle _inPin;
    private readonly GCHandle _outPin;
    private bool _finished;
    private bool _disposed;

    /// <summary>Starts an encoder writing to <paramref name="output"/>, which stays open.</summary>
    /// <param name="output">Where the xz bytes go.</param>
    /// <param name="archive">The archive being written, for the error when liblzma is missing.</param>
    /// <exception cref="DiagnosticException">MB2140: liblzma is not found.</exception>
    public XzEncoderStream(Stream output, string archive)
    {
        _output = output;
        ThrowIfUnavailable(archive);
        _lzma = LibLzma.Instance!;
        _stream = Marshal.AllocHGlobal(Marshal.SizeOf<LibLzma.StreamLayout>());
        Marshal.StructureToPtr(default(LibLzma.StreamLayout), _stream, fDeleteOld: false);
        var started = _lzma.EasyEncoder(_stream, Preset, LibLzma.CheckCrc64);
        if (started != LibLzma.Ok)
        {
            Marshal.FreeHGlobal(_stream);
            throw new IOException($"liblzma {_lzma.Version} could not start an xz encoder (lzma_ret {started})");
        }

        _inPin = GCHandle.Alloc(_in, GCHandleType.Pinned);
        _outPin = GCHandle.Alloc(_out, GCHandleType.Pinned);
    }

    /// <summary>The liblzma version that encodes, or null when none is found: part of what decides the archive's bytes.</summary>
    public static string? EncoderVersion => LibLzma.Instance?.Version;

    /// <summary>Throws MB2140 when liblzma is not found, before anything is written to <paramref name="archive"/>.</summary>
    public static void ThrowIfUnavailable(string archive)
    {
        if (LibLzma.Instance is null)
        {
            throw new DiagnosticException(
                NnArchiveDiagnostics.XzEncoderMissing.Create(new SourceLocation(archive), archive, LibLzma.NamesTried));
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            var chunk = Math.Min(buffer.Length, BufferSize);
            buffer[..chunk].CopyTo(_in);
            Encode(chunk, LibLzma.Run);
            buffer = buffer[chunk..];
        }
    }

    public override void Flush() => _output.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Writes the end of the xz stream (index and footer); also done by disposing.</summary>
    public void Finish()
    {
        if (!_finished)
        {
            _finished = true;
            Encode(0, LibLzma.Finish);
            _output.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (disposing)
            {
                Finish();
            }
        }
        finally
        {
            _disposed = true;
            _lzma.End(_stream);
            Marshal.FreeHGlobal(_stream);
            _inPin.Free();
            _outPin.Free();
            base.Dispose(disposing);
        }
    }

    // Feeds `count` bytes of _in (none when finishing) and writes out all the encoder produces; when finishing, until the stream ends.
    private void Encode(int count, int action)
    {
        var state = Marshal.PtrToStructure<LibLzma.StreamLayout>(_stream);
        state.NextIn = _inPin.AddrOfPinnedObject();
        state.AvailIn = (UIntPtr)count;
        while (true)
        {
            state.NextOut = _outPin.AddrOfPinnedObject();
            state.AvailOut = BufferSize;
            Marshal.StructureToPtr(state, _stream, fDeleteOld: false);
            var result = _lzma.Code(_stream, action);
            state = Marshal.PtrToStructure<LibLzma.StreamLayout>(_stream);
            if (result is not (LibLzma.Ok or LibLzma.StreamEnd))
            {
                throw new IOException($"liblzma {_lzma.Version} failed to encode (lzma_ret {result})");
            }

            var produced = BufferSize - (int)state.AvailOut;
            _output.Write(_out, 0, produced);
            var done = action == LibLzma.Finish ? result == LibLzma.StreamEnd : state.AvailIn == 0 && produced < BufferSize;
            if (done)
            {
                return;
            }
        }
    }
}
