namespace ModelBuild.Core.Zoo;

/// <summary>Hears a whole-zoo run: each job's start and end, and each skipped precision. Called from several threads with <c>-j</c>.</summary>
public interface IZooProgress
{
    /// <summary>A precision left out of the run.</summary>
    void Skipped(ZooSkip skip);

    /// <summary>A job starts.</summary>
    void JobBegin(ZooJob job);

    /// <summary>A job ended; <paramref name="successful"/> false when it reported errors.</summary>
    void JobEnd(ZooJob job, bool successful);
}
