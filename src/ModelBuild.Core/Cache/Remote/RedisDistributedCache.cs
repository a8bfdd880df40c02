using System.Globalization;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// An <see cref="IDistributedCache"/> over a Redis server, speaking RESP2 itself: <c>GET</c>, <c>SET</c>
/// (with <c>PX</c> for absolute expiry), <c>DEL</c>. One connection, opened on first use (then
/// <c>AUTH</c> and <c>SELECT</c>), used by one command at a time and dropped after any failure, so the
/// next command starts afresh. Every command is bounded by the time-out. Sliding expiration is not
/// supported: nothing ModelBuild stores uses it.
/// </summary>
/// <remarks>
/// Written here because StackExchange.Redis (behind Microsoft.Extensions.Caching.StackExchangeRedis)
/// cannot be restored from the package feed this project builds from; any other
/// <see cref="IDistributedCache"/> can be handed to <see cref="DistributedCacheStore"/> instead.
/// </remarks>
public sealed class RedisDistributedCache : IDistributedCache, IDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly int _database;
    private readonly string? _userName;
    private readonly string? _password;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RespConnection? _connection;

    /// <param name="address">A <c>redis://host[:port][/database]</c> address.</param>
    /// <param name="credentials">The password (and ACL user name) for <c>AUTH</c>, if any.</param>
    /// <param name="timeout">The limit for connecting and for each command.</param>
    public RedisDistributedCache(RemoteCacheAddress address, RemoteCacheCredentials credentials, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(credentials);
        _host = address.Uri.Host;
        _port = address.Uri.IsDefaultPort || address.Uri.Port < 0 ? RemoteCacheAddress.DefaultRedisPort : address.Uri.Port;
        _database = address.RedisDatabase;
        _userName = credentials.UserName;
        _password = credentials.Password;
        _timeout = timeout;
        Display = string.Create(CultureInfo.InvariantCulture, $"redis://{_host}:{_port}");
    }

    /// <summary>The server as messages name it.</summary>
    public string Display { get; }

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var reply = await ExecuteAsync(Command("GET", Encoding.UTF8.GetBytes(key)), token).ConfigureAwait(false);
        return reply.Kind switch
        {
            RespReplyKind.Null => null,
            RespReplyKind.BulkString => reply.Bulk,
            _ => throw Unexpected("GET", reply),
        };
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SlidingExpiration is not null)
        {
            throw new NotSupportedException("RedisDistributedCache does not support sliding expiration.");
        }

        var expiry = options.AbsoluteExpirationRelativeToNow
            ?? (options.AbsoluteExpiration is { } at ? at - DateTimeOffset.UtcNow : null);
        ReadOnlyMemory<byte>[] arguments = expiry is { } relative
            ? ["SET"u8.ToArray(), Encoding.UTF8.GetBytes(key), value, "PX"u8.ToArray(), Encoding.ASCII.GetBytes(Math.Max(1, (long)relative.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))]
            : ["SET"u8.ToArray(), Encoding.UTF8.GetBytes(key), value];
        var reply = await ExecuteAsync(arguments, token).ConfigureAwait(false);
        if (reply.Kind != RespReplyKind.SimpleString)
        {
            throw Unexpected("SET", reply);
        }
    }

    /// <summary>Nothing to do: entries here have no sliding expiration to renew.</summary>
    public void Refresh(string key)
    {
    }

    /// <summary>Nothing to do: entries here have no sliding expiration to renew.</summary>
    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        var reply = await ExecuteAsync(Command("DEL", Encoding.UTF8.GetBytes(key)), token).ConfigureAwait(false);
        if (reply.Kind != RespReplyKind.Integer)
        {
            throw Unexpected("DEL", reply);
        }
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
        _gate.Dispose();
    }

    private static ReadOnlyMemory<byte>[] Command(string command, params byte[][] arguments) =>
        [Encoding.ASCII.GetBytes(command), .. arguments.Select(a => (ReadOnlyMemory<byte>)a)];

    private async Task<RespReply> ExecuteAsync(ReadOnlyMemory<byte>[] arguments, CancellationToken cancellationToken)
    {
        var command = Encoding.ASCII.GetString(arguments[0].Span);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            var connection = _connection ??= await ConnectAsync(limit.Token).ConfigureAwait(false);
            var reply = await connection.SendAsync(arguments, limit.Token).ConfigureAwait(false);
            if (reply.Kind == RespReplyKind.Error)
            {
                throw new RemoteCacheException($"{Display} refused {command}: {reply.Text}");
            }

            return reply;
        }
        catch (Exception e)
        {
            // Whatever went wrong, the connection's state is unknown: the next command opens a new one.
            _connection?.Dispose();
            _connection = null;
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new RemoteCacheException($"{Display} had no answer to {command} within {BazelHttpStore.FormatTimeout(_timeout)}", e);
            }

            if (e is System.Net.Sockets.SocketException or IOException)
            {
                throw new RemoteCacheException($"{Display} cannot be reached: {e.Message}", e);
            }

            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RespConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await RespConnection.OpenAsync(_host, _port, cancellationToken).ConfigureAwait(false);
        try
        {
            if (_password is not null)
            {
                ReadOnlyMemory<byte>[] auth = _userName is null
                    ? ["AUTH"u8.ToArray(), Encoding.UTF8.GetBytes(_password)]
                    : ["AUTH"u8.ToArray(), Encoding.UTF8.GetBytes(_userName), Encoding.UTF8.GetBytes(_password)];
                var reply = await connection.SendAsync(auth, cancellationToken).ConfigureAwait(false);
                if (reply.Kind == RespReplyKind.Error)
                {
                    // Redis's own words ("WRONGPASS invalid username-password pair"); they never repeat the password.
                    throw new RemoteCacheException($"{Display} refused the credentials: {reply.Text}");
                }
            }

            if (_database != 0)
            {
                var reply = await connection.SendAsync(["SELECT"u8.ToArray(), Encoding.ASCII.GetBytes(_database.ToString(CultureInfo.InvariantCulture))], cancellationToken).ConfigureAwait(false);
                if (reply.Kind == RespReplyKind.Error)
                {
                    throw new RemoteCacheException($"{Display} refused database {_database}: {reply.Text}");
                }
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private RemoteCacheException Unexpected(string command, RespReply reply) =>
        new($"{Display} answered {command} with an unexpected {reply.Kind} reply");
}
