using System.Text;
using ModelBuild.Core.Tests.Cache;

namespace ModelBuild.Core.Tests.Toolchains;

/// <summary>
/// Stand-in executables written by a test in place of the vendor tools that cannot run here: small
/// shell scripts that record each call (arguments one per line, working folder, environment) and then
/// run a body that writes the files the real tool would. A version probe (<c>--version</c>, or no
/// arguments for compile_tool) prints the version given and is not recorded.
/// </summary>
internal sealed class StandInTools : IDisposable
{
    /// <summary>mo: writes the IR pair named after the input model into --output_dir.</summary>
    public const string MoBody = """
        out=$(value --output_dir "$@"); model=$(value --input_model "$@"); stem=$(basename "$model" .onnx)
        echo '<net/>' > "$out/$stem.xml"; echo weights > "$out/$stem.bin"
        """;

    /// <summary>compile_tool: blobs that differ by their SHAVE configuration, long enough for bsdiff to find common runs.</summary>
    public const string CompileToolBody = """
        out=$(value -o "$@"); conf=$(value -c "$@")
        {
          echo "BLOB $(value -d "$@") $(value -m "$@")"
          if [ -n "$conf" ]; then cat "$conf"; fi
          i=0; while [ $i -lt 300 ]; do echo "layer $i weights 0123456789abcdef"; i=$((i+1)); done
        } > "$out"
        """;

    private readonly TemporaryDirectory _root = new();
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);

    public StandInTools()
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Records);
    }

    public string Bin => _root.Combine("bin");

    public string Records => _root.Combine("records");

    /// <summary>Tool name → stand-in path, for <c>VendorCompileRequest.ToolPaths</c>.</summary>
    public IReadOnlyDictionary<string, string> Paths => _paths;

    /// <summary>Writes an executable stand-in named <paramref name="name"/>.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="body">Shell code run after the call is recorded; <c>$@</c> holds the arguments.</param>
    /// <param name="version">Printed for the version probe (lines separated by '\n').</param>
    public string Add(string name, string body, string version = "1.0")
    {
        var path = Path.Combine(Bin, name);
        var probe = name == "compile_tool" ? "[ $# -eq 0 ]" : "[ \"$1\" = \"--version\" ]";
        var script = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append("if ").Append(probe).Append("; then\n");
        foreach (var line in version.Split('\n'))
        {
            script.Append("  printf '%s\\n' '").Append(line.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        }

        script.Append("  exit 0\nfi\n")
            .Append("rec='").Append(Records).Append("'\n")
            .Append("i=0\nwhile [ -e \"$rec/").Append(name).Append(".$i.args\" ]; do i=$((i+1)); done\n")
            .Append("for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$rec/").Append(name).Append(".$i.args\"\n")
            .Append("pwd > \"$rec/").Append(name).Append(".$i.cwd\"\n")
            .Append("env > \"$rec/").Append(name).Append(".$i.env\"\n")
            .Append("# value FLAG: the argument after FLAG\n")
            .Append("value() { flag=$1; shift; while [ $# -gt 0 ]; do if [ \"$1\" = \"$flag\" ]; then printf '%s' \"$2\"; return; fi; " +
                "shift; done; }\n")
            .Append(body).Append('\n');
        File.WriteAllText(path, script.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _paths[name] = path;
        return path;
    }

    /// <summary>OpenVINO 2022.3's mo and compile_tool (rvc2, rvc3), printing their real version lines.</summary>
    public void AddOpenVino2022()
    {
        Add("mo", MoBody, "Version of Model Optimizer is: 2022.3.0-9052");
        Add("compile_tool", CompileToolBody, "OpenVINO Runtime version ......... 2022.3.0\nBuild ........... 2022.3.0-9052-9752fafe8eb");
    }

    /// <summary>SNPE's converter, quantizer and graph preparation (rvc4).</summary>
    public void AddSnpe()
    {
        Add("snpe-onnx-to-dlc", "m=$(value -i \"$@\"); echo dlc > \"${m%.onnx}.dlc\"", "SNPE v2.26.0");
        Add("snpe-dlc-quant", "echo quantized > \"$(value --output_dlc \"$@\")\"", "SNPE v2.26.0");
        Add("snpe-dlc-graph-prepare", "echo prepared > \"$(value --output_dlc \"$@\")\"", "SNPE v2.26.0");
    }

    /// <summary>OpenVINO's ovc: an .xml and a .bin beside it (openvino).</summary>
    public void AddOvc() => Add("ovc", OvcBody, OvcVersion);

    /// <summary>The shell body of the <c>ovc</c> stand-in: writes the .xml and .bin its <c>--output_model</c> names.</summary>
    public const string OvcBody = """
        x=$(value --output_model "$@"); mkdir -p "$(dirname "$x")"; echo xml > "$x"; echo bin > "${x%.xml}.bin"
        """;

    public const string OvcVersion = "OpenVINO Model Converter (ovc) 2024.4.0";

    /// <summary>
    /// ModelConverter writing <paramref name="output"/> ("blob for &lt;target&gt;") and its buildinfo.json into
    /// output/&lt;--output-dir&gt;/, after running <paramref name="more"/> (shell code; <c>$rec</c> is the records folder).
    /// </summary>
    public void AddModelConverter(string output, string more = "") => Add("modelconverter", $$"""
        {{more}}
        mkdir -p "output/$(value --output-dir "$@")"
        echo "blob for $2" > "output/$(value --output-dir "$@")/{{output}}"
        echo '{"cmd_info": {"compile_tool": ["compile_tool", "-d", "MYRIAD"]}, "modelconverter_version": "0.5.0"}' \
            > "output/$(value --output-dir "$@")/buildinfo.json"
        """, "modelconverter 0.5.0");

    /// <summary>Uses a real program for <paramref name="name"/> (e.g. Debian's bsdiff).</summary>
    public void UseReal(string name, string path) => _paths[name] = path;

    /// <summary>The argument lists of every recorded call of <paramref name="name"/>, in call order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Calls(string name)
    {
        var calls = new List<IReadOnlyList<string>>();
        for (var i = 0; File.Exists(Path.Combine(Records, $"{name}.{i}.args")); i++)
        {
            calls.Add(File.ReadAllLines(Path.Combine(Records, $"{name}.{i}.args")));
        }

        return calls;
    }

    /// <summary>The environment of call <paramref name="index"/> as NAME=value lines.</summary>
    public IReadOnlyList<string> Environment(string name, int index) => File.ReadAllLines(Path.Combine(Records, $"{name}.{index}.env"));

    /// <summary>The working folder of call <paramref name="index"/>.</summary>
    public string WorkingDirectory(string name, int index) => File.ReadAllText(Path.Combine(Records, $"{name}.{index}.cwd")).Trim();

    public void Dispose() => _root.Dispose();
}
