namespace ModelBuild.Core.Cache.Remote;

/// <summary>
/// The remote tier's credentials: from the environment (<c>MODELBUILD_REMOTE_CACHE_USERNAME</c>,
/// <c>MODELBUILD_REMOTE_CACHE_PASSWORD</c>, <c>MODELBUILD_REMOTE_CACHE_TOKEN</c>), else from the
/// address's user information. Never printed: <see cref="ToString"/> says only which kind is set.
/// </summary>
public sealed class RemoteCacheCredentials
{
    /// <summary>The user name (HTTP basic authentication; Redis ACL user).</summary>
    public const string UserNameVariable = "MODELBUILD_REMOTE_CACHE_USERNAME";

    /// <summary>The password (HTTP basic authentication; Redis AUTH).</summary>
    public const string PasswordVariable = "MODELBUILD_REMOTE_CACHE_PASSWORD";

    /// <summary>A bearer token for HTTP caches.</summary>
    public const string TokenVariable = "MODELBUILD_REMOTE_CACHE_TOKEN";

    private RemoteCacheCredentials(string? userName, string? password, string? token)
    {
        UserName = userName;
        Password = password;
        Token = token;
    }

    public string? UserName { get; }

    public string? Password { get; }

    public string? Token { get; }

    /// <summary>The credentials for <paramref name="address"/>: the environment's first, then the address's.</summary>
    public static RemoteCacheCredentials For(RemoteCacheAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        string? fromUriUser = null;
        string? fromUriPassword = null;
        if (address.Uri.UserInfo is { Length: > 0 } userInfo)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            fromUriUser = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            fromUriPassword = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        }

        return new RemoteCacheCredentials(
            NullIfEmpty(Environment.GetEnvironmentVariable(UserNameVariable)) ?? NullIfEmpty(fromUriUser),
            NullIfEmpty(Environment.GetEnvironmentVariable(PasswordVariable)) ?? NullIfEmpty(fromUriPassword),
            NullIfEmpty(Environment.GetEnvironmentVariable(TokenVariable)));
    }

    public override string ToString() =>
        Token is not null ? "a bearer token" : Password is not null ? "a password" : "no credentials";

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
