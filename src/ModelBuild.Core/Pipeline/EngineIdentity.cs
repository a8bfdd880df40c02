using System.Reflection;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Which engine computed a result. It goes into every action key, so a different engine never
/// serves another engine's cached results.
/// </summary>
public sealed record EngineIdentity(string Version)
{
    /// <summary>This engine: ModelBuild.Core's informational version (the package version plus the source revision).</summary>
    public static EngineIdentity Current { get; } = new(
        typeof(EngineIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(EngineIdentity).Assembly.GetName().Version?.ToString()
        ?? "0.0.0");

    /// <summary>The version without the source revision, as users see it (<c>0.1.0</c>).</summary>
    public string DisplayVersion => Version.Split('+')[0];
}
