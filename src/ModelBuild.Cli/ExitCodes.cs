namespace ModelBuild.Cli;

/// <summary>The engine's exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Errors were reported as diagnostics.</summary>
    public const int Failed = 1;

    /// <summary>The engine itself failed (MB9000).</summary>
    public const int InternalError = 3;
}
