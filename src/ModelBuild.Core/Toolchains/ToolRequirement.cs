using System.Globalization;

namespace ModelBuild.Core.Toolchains;

/// <summary>
/// A program a vendor target needs: the name looked up on <c>PATH</c>, the environment variable that
/// points at it, what it does, how to get it, and how to ask it for its version.
/// </summary>
/// <param name="Name">The executable's name (<c>compile_tool</c>), also the key of an explicit path.</param>
/// <param name="Purpose">What it does, for messages ("OpenVINO 2022.3 Model Optimizer").</param>
/// <param name="HowToGet">One sentence telling a user how to install it.</param>
/// <param name="VersionArguments">Arguments that make it print its version (empty: run it bare).</param>
/// <param name="VersionLines">How many leading non-empty output lines of the version probe form the version.</param>
public sealed record ToolRequirement(
    string Name,
    string Purpose,
    string HowToGet,
    IReadOnlyList<string> VersionArguments,
    int VersionLines = 1)
{
    /// <summary><c>MODELBUILD_</c> and the name in upper case with other characters than letters and digits as '_'.</summary>
    public string EnvironmentVariable { get; } = "MODELBUILD_"
        + new string([.. Name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpper(c, CultureInfo.InvariantCulture) : '_')]);

    public override string ToString() => Name;
}

/// <summary>The programs the vendor targets run, with ModelConverter's way of asking each for its version.</summary>
public static class VendorTools
{
    private const string OpenVino2022 = "Install the OpenVINO 2022.3 development tools (pip package openvino-dev==2022.3.*; compile_tool " +
        "ships in the OpenVINO 2022.3 runtime archive under tools/compile_tool), or compile through ModelConverter instead (--via " +
            "modelconverter).";

    public static readonly ToolRequirement ModelConverter = new(
        "modelconverter", "Luxonis ModelConverter", "Install it with 'pip install modelconv' (it runs the vendor toolchains in its " +
            "Docker images), or point MODELBUILD_MODELCONVERTER at its executable.", ["--version"]);

    public static readonly ToolRequirement ModelOptimizer = new("mo", "OpenVINO 2022.3 Model Optimizer", OpenVino2022, ["--version"]);

    // compile_tool has no version flag: run bare, it prints its version and build before the usage.
    public static readonly ToolRequirement CompileTool = new(
        "compile_tool",
        "OpenVINO 2022.3 compile_tool",
        OpenVino2022,
        [],
        VersionLines: 2);

    public static readonly ToolRequirement PostTrainingOptimization = new(
        "pot",
        "OpenVINO 2022.3 Post-training Optimization Tool",
        OpenVino2022,
        ["--version"]);

    public static readonly ToolRequirement Bsdiff = new(
        "bsdiff", "bsdiff, which writes the superblob's shave patches", "Install the bsdiff package (Debian/Ubuntu: apt-get install " +
            "bsdiff), or set rvc2.superblob: false.", []);

    private const string Snpe = "Install the Qualcomm Neural Processing SDK (SNPE) and run its bin/envsetup.sh so that its " +
        "bin/x86_64-linux-clang folder is on PATH, or compile through ModelConverter instead (--via modelconverter).";

    public static readonly ToolRequirement SnpeOnnxToDlc = new("snpe-onnx-to-dlc", "SNPE's ONNX converter", Snpe, ["--version"]);

    public static readonly ToolRequirement SnpeDlcQuant = new("snpe-dlc-quant", "SNPE's quantizer", Snpe, ["--version"]);

    public static readonly ToolRequirement SnpeDlcGraphPrepare = new(
        "snpe-dlc-graph-prepare",
        "SNPE's offline graph preparation for HTP",
        Snpe,
        ["--version"]);

    public static readonly ToolRequirement Hailo = new(
        "hailo", "the Hailo Dataflow Compiler command line", "Install the Hailo Dataflow Compiler (a wheel from Hailo's developer zone) " +
            "into the Python environment on PATH, or compile through ModelConverter instead (--via modelconverter).", ["--version"]);

    public static readonly ToolRequirement OpenVinoConverter = new(
        "ovc", "OpenVINO's model converter", "Install OpenVINO 2023.1 or later (pip package openvino), which provides ovc.", ["--version"]);

    /// <summary>Every tool, for listings and documentation.</summary>
    public static IReadOnlyList<ToolRequirement> All { get; } =
    [
        ModelConverter, ModelOptimizer, CompileTool, PostTrainingOptimization, Bsdiff, SnpeOnnxToDlc, SnpeDlcQuant, SnpeDlcGraphPrepare,
        Hailo, OpenVinoConverter,
    ];
}
