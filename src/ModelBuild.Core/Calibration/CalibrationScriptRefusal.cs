using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Manifest;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Calibration;

/// <summary>
/// ModelConverter's <c>calibration: {stage, script}</c> form runs a Python script on the previous stage's outputs. ModelBuild
/// does not run it: the error says whether Python is there at all (MB8191) or the form is what is missing (MB8192).
/// </summary>
public static class CalibrationScriptRefusal
{
    /// <summary>Python 3, found as vendor tools are: <c>MODELBUILD_PYTHON3</c>, then <c>PATH</c>.</summary>
    public static readonly ToolRequirement Python = new(
        "python3", "runs ModelConverter calibration scripts", "install Python 3 (python3 on PATH)", ["--version"]);

    /// <summary>The coded error for input <paramref name="input"/> calibrated by <paramref name="script"/>.</summary>
    /// <param name="input">The model input.</param>
    /// <param name="script">The manifest's <c>script</c> value.</param>
    /// <param name="environment">Reads environment variables; the process's when null.</param>
    public static DiagnosticException For(string input, Located<string> script, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        var shown = script.Value.Length > 60 ? script.Value[..57] + "..." : script.Value;
        try
        {
            var python = new ToolLocator(environment: environment).Locate(Python, "calibration");
            return new DiagnosticException(CalibrationDiagnostics.ScriptNotSupported.Create(script.Location, input, shown, python.Path));
        }
        catch (ToolNotFoundException)
        {
            return new DiagnosticException(CalibrationDiagnostics.ScriptNeedsPython.Create(script.Location, input, shown));
        }
    }
}
