using ModelBuild.Core.Sources;

namespace ModelBuild.Cli.Downloads;

/// <summary>What <c>modelbuild download</c> reports as it goes, model by model and file by file.</summary>
internal interface IDownloadReporter
{
    void ModelBegin(string model, int files);

    void FileBegin(string model, string file, long size);

    void FileProgress(string model, string file, long bytes, long size, TimeSpan elapsed);

    void FileEnd(string model, string file, bool successful, DownloadFinished? details);

    void ModelEnd(string model, bool successful);

    void PostprocessingBegin(string model);

    void PostprocessingEnd(string model);

    /// <summary>The names of the models that failed, at the end (text mode prints them as Open Model Zoo does).</summary>
    void Failed(IReadOnlyList<string> models);
}

/// <summary>Forwards the fetcher's byte counts for one model file to a reporter.</summary>
internal sealed class FileProgressAdapter(IDownloadReporter reporter, string model, string file, long size) : IDownloadProgress
{
    public DownloadFinished? Result { get; private set; }

    public void Started(DownloadStarted started)
    {
    }

    public void Progressed(DownloadProgressed progressed)
        => reporter.FileProgress(model, file, progressed.BytesReceived, size, progressed.Elapsed);

    public void Finished(DownloadFinished finished) => Result = finished;
}
