using ModelBuild.Tensors;

namespace ModelBuild.Imaging.Tests.Tensors;

public sealed class ClassificationTests
{
    private static readonly string[] Labels = ["cat", "dog", "bird"];

    [Fact]
    public void Probabilities_are_taken_as_they_are_and_the_largest_names_the_label()
    {
        var result = new Classification([0.2f, 0.7f, 0.1f], Labels, applySoftmax: false);

        Assert.Equal("dog", result.Label);
        Assert.Equal(1, result.Index);
        Assert.Equal(0.7f, result.Probability);
        Assert.Equal([0.2f, 0.7f, 0.1f], result.Probabilities);
    }

    [Fact]
    public void Logits_go_through_a_softmax_that_does_not_overflow_on_large_values()
    {
        var result = new Classification([1000f, 1001f, 998f], Labels, applySoftmax: true);

        // exp(0), exp(1), exp(-2) normalised.
        var sum = 1 + Math.E + Math.Exp(-2);
        Assert.Equal("dog", result.Label);
        Assert.Equal(Math.E / sum, result.Probability, 5);
        Assert.Equal(1 / sum, result.Probabilities[0], 5);
        Assert.Equal(1.0, result.Probabilities.Sum(p => (double)p), 5);
    }

    [Fact]
    public void Top_orders_by_probability_then_by_position_and_stops_at_the_class_count()
    {
        var result = new Classification([0.3f, 0.4f, 0.3f], Labels, applySoftmax: false);

        Assert.Equal([new ClassProbability(1, "dog", 0.4f), new ClassProbability(0, "cat", 0.3f)], result.Top(2));
        Assert.Equal(["dog", "cat", "bird"], result.Top(10).Select(c => c.Label));
        Assert.Empty(result.Top(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => result.Top(-1));
    }

    [Fact]
    public void Equal_maxima_pick_the_first_as_argmax_does()
    {
        Assert.Equal("cat", new Classification([0.5f, 0.5f, 0f], Labels, applySoftmax: false).Label);
    }

    [Fact]
    public void A_row_that_does_not_match_the_labels_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new Classification([0.5f, 0.5f], Labels, applySoftmax: false));

        Assert.Contains("2 scores but there are 3 labels", error.Message, StringComparison.Ordinal);
    }
}
