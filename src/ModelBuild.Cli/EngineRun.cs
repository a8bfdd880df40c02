using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Cli;

/// <summary>
/// The last line of defence of every command: user mistakes are diagnostics already; an exception that
/// still escapes is reported as one line (with a code when the thrower gave one), never a stack trace.
/// </summary>
internal static class EngineRun
{
    public static async Task<int> GuardAsync(DiagnosticConsole console, Func<Task<int>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (DiagnosticException e)
        {
            console.Report(e.Diagnostic);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            console.Info("ModelBuild: cancelled.");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException
            && StorageFailure.TryDescribe(e, StorageFailure.PathIn(e)) is { } failure)
        {
            // A full disk or a read-only folder met where no write site could name it: still not an engine fault.
            console.Report(failure);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (console.TryReportCoded(e))
        {
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            console.ReportInternalError(e);
            return ExitCodes.InternalError;
        }
    }
}
