using System.Globalization;
using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// An <see cref="IDistributedCache"/> over a Redis server through StackExchange.Redis, using only its string
/// commands (<c>GET</c>, <c>SET</c> with an optional expiry, <c>DEL</c>), so every value is the plain bytes under
/// its key — as earlier ModelBuild versions wrote them, and as <c>redis-cli</c> shows them. <c>AUTH</c> (password,
/// ACL user), the database number and TLS (<c>rediss://</c>) come from the address and credentials; connecting
/// and every command are bounded by the time-out. Sliding expiration is not supported: nothing ModelBuild stores
/// uses it.
/// </summary>
public sealed class RedisDistributedCache : IDistributedCache, IDisposable
{
    private readonly ConfigurationOptions _options;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    /// <param name="address">A <c>redis://</c> or <c>rediss://host[:port][/database]</c> address.</param>
    /// <param name="credentials">The password (and ACL user name) for <c>AUTH</c>, if any.</param>
    /// <param name="timeout">The limit for connecting and for each command.</param>
    public RedisDistributedCache(RemoteCacheAddress address, RemoteCacheCredentials credentials, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(credentials);
        var port = address.Uri.IsDefaultPort || address.Uri.Port < 0 ? RemoteCacheAddress.DefaultRedisPort : address.Uri.Port;
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        _options = new ConfigurationOptions
        {
            EndPoints = { { address.Uri.Host, port } },
            User = credentials.Password is null ? null : credentials.UserName,
            Password = credentials.Password,
            DefaultDatabase = address.RedisDatabase,
            Ssl = address.Uri.Scheme == "rediss",
            SslHost = address.Uri.Host,
            SslProtocols = SslProtocols.None,
            ConnectTimeout = milliseconds,
            SyncTimeout = milliseconds,
            AsyncTimeout = milliseconds,
            ConnectRetry = 0,

            // One try: a remote that cannot be reached is reported once and left alone for the build (MB3010).
            AbortOnConnectFail = true,
            ClientName = "modelbuild",

            // Plain commands only; a server that renames or disables the admin ones is fine.
            CommandMap = CommandMap.Default,
        };
        _timeout = timeout;
        Display = string.Create(CultureInfo.InvariantCulture, $"{address.Uri.Scheme}://{address.Uri.Host}:{port}");
    }

    /// <summary>The server as messages name it.</summary>
    public string Display { get; }

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var database = await DatabaseAsync(token).ConfigureAwait(false);
        var value = await Guard("GET", () => database.StringGetAsync(key)).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
        => SetAsync(key, value, options).GetAwaiter().GetResult();

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
        var database = await DatabaseAsync(token).ConfigureAwait(false);
        var stored = await Guard("SET", () => expiry is { } relative
            ? database.StringSetAsync(key, value, TimeSpan.FromMilliseconds(Math.Max(1, relative.TotalMilliseconds)))
            : database.StringSetAsync(key, value)).ConfigureAwait(false);
        if (!stored)
        {
            throw new RemoteCacheException($"{Display} did not store {key}");
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
        var database = await DatabaseAsync(token).ConfigureAwait(false);
        await Guard("DEL", () => database.KeyDeleteAsync(key)).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
        _connecting.Dispose();
    }

    /// <summary>The connection, opened on first use; a failure to open it is a <see cref="RemoteCacheException"/> that says why.</summary>
    private async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    _connection = await ConnectionMultiplexer.ConnectAsync(_options, TextWriter.Null)
                        .WaitAsync(_timeout * 2, cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (RedisConnectionException e) when (e.FailureType != ConnectionFailureType.AuthenticationFailure
                    && clock.Elapsed >= _timeout * 0.9)
                {
                    // A server that accepts the connection and never answers: the client only says it could not connect.
                    throw new RemoteCacheException($"{Display} had no answer within {BazelHttpStore.FormatTimeout(_timeout)}", e);
                }
                catch (RedisConnectionException e)
                {
                    throw Describe(e);
                }
                catch (TimeoutException e)
                {
                    throw new RemoteCacheException($"{Display} had no answer within {BazelHttpStore.FormatTimeout(_timeout)}", e);
                }
            }

            return _connection.GetDatabase();
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<T> Guard<T>(string command, Func<Task<T>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (RedisTimeoutException e)
        {
            throw new RemoteCacheException($"{Display} had no answer to {command} within {BazelHttpStore.FormatTimeout(_timeout)}", e);
        }
        catch (RedisConnectionException e)
        {
            throw Describe(e);
        }
        catch (RedisServerException e)
        {
            // Redis's own words (NOAUTH, WRONGTYPE…); they never repeat a password.
            throw new RemoteCacheException($"{Display} refused {command}: {e.Message}", e);
        }
    }

    private RemoteCacheException Describe(RedisConnectionException e) => e.FailureType switch
    {
        ConnectionFailureType.AuthenticationFailure => new RemoteCacheException($"{Display} refused the credentials: {FirstLine(e)}", e),
        _ when e.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase) || e.InnerException is TimeoutException
            => new RemoteCacheException($"{Display} had no answer within {BazelHttpStore.FormatTimeout(_timeout)}", e),
        _ => new RemoteCacheException($"{Display} cannot be reached: {FirstLine(e)}", e),
    };

    /// <summary>The operating system's reason when there is one (connection refused, no such host), else the client's first
    /// sentence.</summary>
    private static string FirstLine(Exception e) =>
        (e.InnerException is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException
            ? e.InnerException.Message
            : e.Message.Split(['\n', '.'], 2)[0]).Trim();
}
