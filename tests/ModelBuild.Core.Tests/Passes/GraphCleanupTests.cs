using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;
using static ModelBuild.Core.Onnx.Proto.TensorProto.Types;

namespace ModelBuild.Core.Tests.Passes;

public sealed class GraphCleanupTests
{
    private static ModelProto Chain() =>
        new OnnxGraphBuilder("chain")
            .Input("x", DataType.Float, 1, 2)
            .Initializer("one", [1f, 1f], 1, 2)
            .Initializer("also_one", [1f, 1f], 1, 2)
            .Initializer("unused", [9f, 9f], 1, 2)
            .Node("Add", ["x", "one"], ["a"])
            .Node("Add", ["a", "also_one"], ["b"])
            .Node("Relu", ["b"], ["y"])
            .Node("Neg", ["x"], ["dead"])
            .Output("y", DataType.Float, 1, 2)
            .Build();

    [Fact]
    public void Sorting_puts_producers_first_and_keeps_a_sorted_graph_as_it_is()
    {
        var sorted = Chain();
        var shuffled = Chain();
        var nodes = shuffled.Graph.Node.Reverse().ToList();
        shuffled.Graph.Node.Clear();
        shuffled.Graph.Node.AddRange(nodes);

        GraphCleanup.SortTopologically(shuffled.Graph);
        var before = OnnxModelFile.Write(sorted);
        GraphCleanup.SortTopologically(sorted.Graph);

        Assert.Empty(OnnxModelValidator.Validate(shuffled));
        Assert.Equal(["Neg", "Add", "Add", "Relu"], ModelRun.Ops(shuffled));
        Assert.Equal(before, OnnxModelFile.Write(sorted));
    }

    [Fact]
    public void Cleanup_removes_dead_nodes_shares_equal_constants_and_drops_what_is_unused()
    {
        var model = Chain();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });

        GraphCleanup.Apply(model);

        Assert.Equal(["Add", "Add", "Relu"], ModelRun.Ops(model));
        Assert.Equal(["one"], model.Graph.Initializer.Select(t => t.Name));
        Assert.Equal(["x", "one"], model.Graph.Node[0].Input);
        Assert.Equal(["a", "one"], model.Graph.Node[1].Input);
        Assert.Equal([""], model.OpsetImport.Select(o => o.Domain));
        Assert.Equal([3f, 4f], ModelRun.Single(model, ModelRun.Input("x", [1, 2], 1, 2)));
    }

    [Fact]
    public void Inputs_that_only_listed_a_removed_initializer_go_but_real_inputs_stay()
    {
        var model = Chain();
        model.IrVersion = 3;
        model.Graph.Input.Add(GraphInput("unused"));
        model.Graph.Input.Add(GraphInput("spare"));

        GraphCleanup.RemoveUnusedInitializers(model.Graph);

        Assert.Equal(["x", "spare"], model.Graph.Input.Select(i => i.Name));
        Assert.DoesNotContain(model.Graph.Initializer, t => t.Name == "unused");
    }

    private static ValueInfoProto GraphInput(string name) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } } };
}
