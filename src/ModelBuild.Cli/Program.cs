using System.CommandLine;
using System.Runtime.InteropServices;
using ModelBuild.Cli.Commands;

namespace ModelBuild.Cli;

internal static class Program
{
    // SIGXFSZ on Linux and macOS: sent with EFBIG when a write passes the file size limit (ulimit -f).
    private const int FileSizeLimitSignal = 25;

    private static async Task<int> Main(string[] args)
    {
        // Handled, the signal no longer kills the process: the write fails with EFBIG, which is reported as MB3021.
        using var fileSizeLimit = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()
            ? PosixSignalRegistration.Create((PosixSignal)FileSizeLimitSignal, context => context.Cancel = true)
            : null;
        var root = new RootCommand("ModelBuild: compiles machine-learning models at build time — fetch, convert, verify, embed.")
        {
            CompileCommand.Create(),
            ConvertCommand.Create(),
            InferCommand.Create(),
            VendorCompileCommand.Create(),
            DownloadCommand.Create(),
            InfoCommand.Create(),
            CacheCommand.Create(),
            QuantizeCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
