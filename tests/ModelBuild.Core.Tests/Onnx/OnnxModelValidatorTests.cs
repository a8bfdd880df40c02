using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Onnx;

public sealed class OnnxModelValidatorTests
{
    private static readonly SourceLocation ModelFile = new("models/net.onnx");

    [Fact]
    public void Every_backend_test_model_is_valid()
    {
        var problems = OnnxTestData.BackendModels()
            .SelectMany(path => OnnxModelValidator.Validate(OnnxModelFile.Read(path), new SourceLocation(path)))
            .Select(d => d.ToCanonicalString())
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));
    }

    [Fact]
    public void A_node_reading_a_value_nothing_produces_is_named_with_the_value()
    {
        var model = Chain().Node("Add", ["r", "bias"], ["y"]).Output("y", DataType.Float, "n").BuildUnvalidated();

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model, ModelFile));

        Assert.Equal("models/net.onnx: error MB4010: Node 'Add_1' (Add) reads 'bias', which is not a graph input, an initializer or the " +
            "output of any node.", diagnostic.ToCanonicalString());
        Assert.NotNull(PythonOnnx.CheckerComplaint(model));
    }

    [Fact]
    public void Nodes_out_of_topological_order_name_both_nodes()
    {
        var model = new OnnxGraphBuilder()
            .Input("x", DataType.Float, "n")
            .Node("Relu", ["a"], ["y"])
            .Node("Neg", ["x"], ["a"])
            .Output("y", DataType.Float, "n")
            .BuildUnvalidated();

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model));

        Assert.Equal("MB4011", diagnostic.Code);
        Assert.Equal(
            "Node 'Relu_0' (Relu) reads 'a' before node 'Neg_1' (Neg) produces it; nodes must be in topological order.",
            diagnostic.Message);
        Assert.NotNull(PythonOnnx.CheckerComplaint(model));
    }

    [Fact]
    public void A_value_produced_twice_names_both_producers()
    {
        var model = Chain().Node("Neg", ["x"], ["r"]).Output("r", DataType.Float, "n").BuildUnvalidated();

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model));

        Assert.Equal("MB4012", diagnostic.Code);
        Assert.Equal("'r' is produced twice: by node 'Relu_0' (Relu) and by node 'Neg_1' (Neg).", diagnostic.Message);
        Assert.NotNull(PythonOnnx.CheckerComplaint(model));
    }

    [Fact]
    public void Two_initializers_of_one_name_are_a_duplicate_but_an_initializer_listed_as_input_is_not()
    {
        var model = Chain().Input("w", DataType.Float, 1).Initializer("w", [1f], 1).Output("r", DataType.Float, "n").BuildUnvalidated();
        Assert.Empty(OnnxModelValidator.Validate(model));

        model.Graph.Initializer.Add(model.Graph.Initializer[0].Clone());

        Assert.Equal(
            "'w' is produced twice: by an initializer and by an initializer.",
            Assert.Single(OnnxModelValidator.Validate(model)).Message);
    }

    [Fact]
    public void A_graph_output_nothing_produces_is_reported()
    {
        var model = Chain().Output("r", DataType.Float, "n").Output("missing", DataType.Float, "n").BuildUnvalidated();

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model));

        Assert.Equal("MB4013", diagnostic.Code);
        Assert.Equal("Graph output 'missing' is not produced by any node, graph input or initializer.", diagnostic.Message);
    }

    [Fact]
    public void A_node_of_a_domain_not_imported_is_reported_and_ai_onnx_means_the_default_domain()
    {
        var custom = new NodeProto { Name = "gelu", OpType = "Gelu", Domain = "com.microsoft" };
        custom.Input.Add("r");
        custom.Output.Add("y");
        var spelledOut = new NodeProto { Name = "neg", OpType = "Neg", Domain = "ai.onnx" };
        spelledOut.Input.Add("y");
        spelledOut.Output.Add("z");
        var model = Chain().Node(custom).Node(spelledOut).Output("z", DataType.Float, "n").BuildUnvalidated();

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model));

        Assert.Equal("MB4014", diagnostic.Code);
        Assert.Equal(
            "Node 'gelu' (Gelu) uses the operator domain 'com.microsoft', which the model does not import in opset_import.",
            diagnostic.Message);
    }

    [Fact]
    public void Main_graph_inputs_and_outputs_need_a_type()
    {
        var model = Chain().Output("r", DataType.Float, "n").BuildUnvalidated();
        model.Graph.Input[0].Type = null;
        model.Graph.Output[0].Type = null;

        var messages = OnnxModelValidator.Validate(model).Select(d => d.Code + " " + d.Message);

        Assert.Equal(
            [
                "MB4015 Graph input 'x' has no type; the inputs and outputs of the main graph must declare one.",
                "MB4015 Graph output 'r' has no type; the inputs and outputs of the main graph must declare one.",
            ],
            messages);
    }

    [Fact]
    public void Subgraphs_see_values_of_the_enclosing_graph_and_their_own_problems_name_the_node()
    {
        var thenBranch = new GraphProto { Name = "then" };
        thenBranch.Node.Add(Node("Neg", "then_neg", ["r"], ["t"]));
        thenBranch.Output.Add(new ValueInfoProto { Name = "t" });
        var elseBranch = new GraphProto { Name = "else" };
        elseBranch.Node.Add(Node("Neg", "else_neg", ["nowhere"], ["e"]));
        elseBranch.Output.Add(new ValueInfoProto { Name = "e" });
        var model = Chain()
            .Input("flag", DataType.Bool)
            .Node("If", ["flag"], ["y"], OnnxAttributes.Graph("then_branch", thenBranch), OnnxAttributes.Graph("else_branch", elseBranch))
            .Output("y", DataType.Float, "n")
            .BuildUnvalidated();

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model));

        Assert.Equal("MB4010", diagnostic.Code);
        Assert.Equal(
            "Node 'else_neg' (Neg) (in the 'else_branch' graph of node 'If_1' (If)) reads 'nowhere', which is not a graph input, an " +
                "initializer or the output of any node.",
            diagnostic.Message);
    }

    [Fact]
    public void A_model_without_the_essentials_is_not_a_model()
    {
        var model = Chain().Output("r", DataType.Float, "n").BuildUnvalidated();
        model.Graph = null;

        var diagnostic = Assert.Single(OnnxModelValidator.Validate(model, ModelFile));

        Assert.Equal("MB4001", diagnostic.Code);
        Assert.Equal("'models/net.onnx' is not an ONNX model: it has no graph.", diagnostic.Message);
    }

    /// <summary>x → Relu → r.</summary>
    private static OnnxGraphBuilder Chain() =>
        new OnnxGraphBuilder().Input("x", DataType.Float, "n").Node("Relu", ["x"], ["r"]);

    private static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }
}
