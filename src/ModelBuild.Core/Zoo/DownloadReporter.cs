using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Zoo;

/// <summary>What <c>modelbuild download</c> reports as it goes, model by model and file by file.</summary>
public interface IDownloadReporter
{
    /// <summary>A model's download starts, with this many files.</summary>
    void ModelBegin(string model, int files);

    /// <summary>One file of the model starts; <paramref name="size"/> is 0 when unknown.</summary>
    void FileBegin(string model, string file, long size);

    /// <summary>Bytes of the file received so far.</summary>
    void FileProgress(string model, string file, long bytes, long size, TimeSpan elapsed);

    /// <summary>The file is written (or failed); the details say whether it came from the network or the cache.</summary>
    void FileEnd(string model, string file, bool successful, DownloadFinished? details);

    /// <summary>Every file of the model is done (or one failed).</summary>
    void ModelEnd(string model, bool successful);

    /// <summary>The model's postprocessing (unpacking, text patches) starts.</summary>
    void PostprocessingBegin(string model);

    /// <summary>The model's postprocessing is done.</summary>
    void PostprocessingEnd(string model);

    /// <summary>The names of the models that failed, at the end (text mode prints them as Open Model Zoo does).</summary>
    void Failed(IReadOnlyList<string> models);
}

/// <summary>Forwards the fetcher's byte counts for one model file to a reporter.</summary>
public sealed class FileProgressAdapter(IDownloadReporter reporter, string model, string file, long size) : IDownloadProgress
{
    /// <summary>What the fetcher reported when the file was complete; null until then.</summary>
    public DownloadFinished? Result { get; private set; }

    /// <inheritdoc/>
    public void Started(DownloadStarted started)
    {
    }

    /// <inheritdoc/>
    public void Progressed(DownloadProgressed progressed)
        => reporter.FileProgress(model, file, progressed.BytesReceived, size, progressed.Elapsed);

    /// <inheritdoc/>
    public void Finished(DownloadFinished finished) => Result = finished;
}
