namespace ModelBuild.Core.Tests.Toolchains;

/// <summary>A small OpenVINO IR pair written by tests (no OpenVINO here), shaped as OpenVINO 2022.3 and later write IR v11.</summary>
internal static class TinyOpenVinoIr
{
    /// <summary>A small IR v11: input x [1,3,8,8] f32, a constant, output y [1,4] fed by a MatMul whose tensor is named y.</summary>
    public static void Write(string xml, bool halfFloat = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(xml)!);
        var (type, precision) = halfFloat ? ("f16", "FP16") : ("f32", "FP32");
        File.WriteAllText(xml, $"""
            <?xml version="1.0"?>
            <net name="m" version="11">
              <layers>
                <layer id="0" name="x" type="Parameter" version="opset1">
                  <data shape="1,3,8,8" element_type="f32"/>
                  <output><port id="0" precision="FP32" names="x"><dim>1</dim><dim>3</dim><dim>8</dim><dim>8</dim></port></output>
                </layer>
                <layer id="1" name="w" type="Const" version="opset1">
                  <data element_type="{type}" shape="192,4" offset="0" size="1536"/>
                  <output><port id="0" precision="{precision}"><dim>192</dim><dim>4</dim></port></output>
                </layer>
                <layer id="2" name="matmul" type="MatMul" version="opset1">
                  <output><port id="2" precision="FP32" names="y,logits"><dim>1</dim><dim>4</dim></port></output>
                </layer>
                <layer id="3" name="y/sink_port_0" type="Result" version="opset1">
                  <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
                </layer>
              </layers>
              <edges>
                <edge from-layer="2" from-port="2" to-layer="3" to-port="0"/>
              </edges>
            </net>
            """);
        File.WriteAllBytes(Path.ChangeExtension(xml, ".bin"), [.. Enumerable.Range(0, 1536).Select(i => (byte)i)]);
    }
}
