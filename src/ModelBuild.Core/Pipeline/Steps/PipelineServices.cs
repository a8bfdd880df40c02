using ModelBuild.Core.Cache;
using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>What the steps share for one compiler: the cache, the fetcher, the action runner and keys, the engine and the log.</summary>
/// <param name="Cache">The local cache every action reads and writes.</param>
/// <param name="Fetcher">Brings model sources into the cache.</param>
/// <param name="Actions">Runs an action once across processes, cache first.</param>
/// <param name="Keys">The actions' keys.</param>
/// <param name="Engine">Goes into every key and buildinfo.</param>
/// <param name="Log">Progress messages for people.</param>
internal sealed record PipelineServices(
    ModelBuildCache Cache, SourceFetcher Fetcher, ActionRunner Actions, ActionKeys Keys, EngineIdentity Engine, Action<string> Log)
{
    /// <summary>Reads and writes models (with external data) as blobs.</summary>
    public ModelStore Store { get; } = new(Cache);
}
