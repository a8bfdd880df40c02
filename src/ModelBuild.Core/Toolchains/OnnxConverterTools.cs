namespace ModelBuild.Core.Toolchains;

/// <summary>
/// The converters that turn other frameworks' models into ONNX before the pipeline runs: found as the vendor tools are
/// (an explicit path, <c>MODELBUILD_&lt;TOOL&gt;</c>, then <c>PATH</c>), identified by version and file digest for the
/// action key. tf2onnx and Open Model Zoo's PyTorch script run under a Python interpreter; each requirement probes its
/// own package's version through it.
/// </summary>
public static class OnnxConverterTools
{
    /// <summary>Python with tf2onnx, run as <c>python3 -m tf2onnx.convert</c> (tf2onnx installs no command of its own).</summary>
    public static readonly ToolRequirement Tf2Onnx = new(
        "python3",
        "Python 3 with tf2onnx, TensorFlow's and TensorFlow Lite's converter to ONNX",
        "Install it with 'pip install tf2onnx tensorflow' into the python3 on PATH, or point MODELBUILD_PYTHON3 at a Python that has it.",
        ["-c", "import tf2onnx; print('tf2onnx ' + tf2onnx.__version__)"]);

    /// <summary>Paddle2ONNX's command.</summary>
    public static readonly ToolRequirement Paddle2Onnx = new(
        "paddle2onnx",
        "Paddle2ONNX, PaddlePaddle's converter to ONNX",
        "Install it with 'pip install paddle2onnx', or point MODELBUILD_PADDLE2ONNX at its executable.",
        ["--version"]);

    /// <summary>Python with PyTorch, which runs Open Model Zoo's <c>pytorch_to_onnx.py</c>.</summary>
    public static readonly ToolRequirement PyTorch = new(
        "python3",
        "Python 3 with PyTorch, which runs Open Model Zoo's pytorch_to_onnx.py",
        "Install PyTorch ('pip install torch torchvision') into the python3 on PATH, or point MODELBUILD_PYTHON3 at a Python that has it.",
        ["-c", "import torch; print('torch ' + torch.__version__)"]);

    /// <summary>Open Model Zoo's own PyTorch-to-ONNX script, as its converter runs it for <c>framework: pytorch</c>.</summary>
    public static readonly ToolRequirement PyTorchToOnnxScript = new(
        "pytorch_to_onnx.py",
        "Open Model Zoo's PyTorch-to-ONNX script",
        "Install Open Model Zoo's tools ('pip install openvino-dev[pytorch]', or its tools/model_tools folder) and point " +
            "MODELBUILD_PYTORCH_TO_ONNX_PY at omz_tools/internal_scripts/pytorch_to_onnx.py.",
        []);

    /// <summary>The converters' names, as explicit tool paths take them (python3 stands for both Python requirements).</summary>
    public static IReadOnlyList<ToolRequirement> All { get; } = [Tf2Onnx, Paddle2Onnx, PyTorchToOnnxScript];
}
