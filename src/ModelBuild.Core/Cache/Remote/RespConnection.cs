using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>What a Redis server answered: RESP2's five reply types.</summary>
internal enum RespReplyKind
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Null,
    Array,
}

/// <summary>One RESP2 reply.</summary>
internal sealed record RespReply(RespReplyKind Kind, string? Text = null, long Integer = 0, byte[]? Bulk = null, IReadOnlyList<RespReply>? Items = null);

/// <summary>
/// One TCP connection to a Redis server speaking RESP2: commands go out as arrays of bulk strings,
/// replies are read whole. Not thread-safe; <see cref="RedisDistributedCache"/> serializes its use.
/// </summary>
internal sealed class RespConnection : IDisposable
{
    private const int MaxLineLength = 64 * 1024;
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RespConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RespConnection> OpenAsync(string host, int port, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new RespConnection(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command and reads its reply.</summary>
    public async Task<RespReply> SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> arguments, CancellationToken cancellationToken)
    {
        using var request = new MemoryStream();
        WriteHeader(request, '*', arguments.Count);
        foreach (var argument in arguments)
        {
            WriteHeader(request, '$', argument.Length);
            request.Write(argument.Span);
            request.Write(CrLf);
        }

        await _stream.WriteAsync(request.GetBuffer().AsMemory(0, (int)request.Length), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }

    private static void WriteHeader(Stream stream, char type, int count)
    {
        stream.WriteByte((byte)type);
        stream.Write(Encoding.ASCII.GetBytes(count.ToString(CultureInfo.InvariantCulture)));
        stream.Write(CrLf);
    }

    private async Task<RespReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.Length == 0)
        {
            throw new RemoteCacheException("Redis sent an empty reply line");
        }

        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return new RespReply(RespReplyKind.SimpleString, Text: rest);
            case '-':
                return new RespReply(RespReplyKind.Error, Text: rest);
            case ':':
                return new RespReply(RespReplyKind.Integer, Integer: ParseLength(rest, allowNegative: true));
            case '$':
                var length = ParseLength(rest, allowNegative: true);
                if (length < 0)
                {
                    return new RespReply(RespReplyKind.Null);
                }

                var bulk = new byte[length];
                await ReadExactlyAsync(bulk, cancellationToken).ConfigureAwait(false);
                var terminator = new byte[2];
                await ReadExactlyAsync(terminator, cancellationToken).ConfigureAwait(false);
                if (terminator[0] != '\r' || terminator[1] != '\n')
                {
                    throw new RemoteCacheException("Redis sent a bulk string without its CRLF terminator");
                }

                return new RespReply(RespReplyKind.BulkString, Bulk: bulk);
            case '*':
                var count = ParseLength(rest, allowNegative: true);
                if (count < 0)
                {
                    return new RespReply(RespReplyKind.Null);
                }

                var items = new List<RespReply>((int)Math.Min(count, 1024));
                for (var i = 0; i < count; i++)
                {
                    items.Add(await ReadReplyAsync(cancellationToken).ConfigureAwait(false));
                }

                return new RespReply(RespReplyKind.Array, Items: items);
            default:
                throw new RemoteCacheException($"Redis sent a reply of unknown type '{line[0]}'; is this a Redis server?");
        }
    }

    private static long ParseLength(string text, bool allowNegative)
    {
        var style = allowNegative ? NumberStyles.AllowLeadingSign : NumberStyles.None;
        return long.TryParse(text, style, CultureInfo.InvariantCulture, out var value) && value <= int.MaxValue
            ? value
            : throw new RemoteCacheException($"Redis sent '{text}' where a number belongs");
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var span = _buffer.AsSpan(_start, _end - _start);
            var newline = span.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line.AddRange(span[..newline].ToArray());
                _start += newline + 1;
                if (line.Count == 0 || line[^1] != '\r')
                {
                    throw new RemoteCacheException("Redis sent a line without CRLF; is this a Redis server?");
                }

                line.RemoveAt(line.Count - 1);
                return Encoding.UTF8.GetString([.. line]);
            }

            line.AddRange(span.ToArray());
            _start = _end;
            if (line.Count > MaxLineLength)
            {
                throw new RemoteCacheException("Redis sent an over-long reply line; is this a Redis server?");
            }
        }
    }

    private async Task ReadExactlyAsync(byte[] destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(_end - _start, destination.Length - filled);
            _buffer.AsSpan(_start, take).CopyTo(destination.AsSpan(filled));
            _start += take;
            filled += take;
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        if (_end == 0)
        {
            throw new RemoteCacheException("the Redis server closed the connection");
        }
    }
}
