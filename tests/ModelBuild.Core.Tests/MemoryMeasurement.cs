namespace ModelBuild.Core.Tests;

/// <summary>
/// Resident-memory tests run alone, after the parallel tests, so no other test's allocations count against
/// their bound: they measure the whole process's working set.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "Memory measurement";
}
