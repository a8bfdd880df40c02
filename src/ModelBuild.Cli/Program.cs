using System.CommandLine;
using ModelBuild.Cli.Commands;

namespace ModelBuild.Cli;

internal static class Program
{
    private static Task<int> Main(string[] args)
    {
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
        return root.Parse(args).InvokeAsync();
    }
}
