namespace ModelBuild.Tensors;

/// <summary>One class of a <see cref="Classification"/>: its position in the model's scores, its label and its probability.</summary>
/// <param name="Index">The position of the class in the model's output.</param>
/// <param name="Label">The class label.</param>
/// <param name="Probability">The probability of the class, between 0 and 1.</param>
public readonly record struct ClassProbability(int Index, string Label, float Probability);

/// <summary>
/// A classifier's answer for one input: the labelled probabilities of one output row, the most probable class first
/// available as <see cref="Label"/> and <see cref="Probability"/>. Scores that are logits are turned into probabilities
/// by a softmax (the manifest's <c>apply_softmax</c>); scores that are probabilities already are taken as they are.
/// </summary>
public sealed class Classification
{
    private readonly float[] _probabilities;
    private readonly IReadOnlyList<string> _labels;

    /// <summary>Classifies <paramref name="scores"/>, one per label.</summary>
    /// <param name="scores">The output row: one score per class, in the order of <paramref name="labels"/>.</param>
    /// <param name="labels">The class labels, in output order.</param>
    /// <param name="applySoftmax">True when the scores are logits to normalise with a softmax.</param>
    /// <exception cref="ArgumentException">The row is empty or has another count than <paramref name="labels"/>.</exception>
    public Classification(ReadOnlySpan<float> scores, IReadOnlyList<string> labels, bool applySoftmax)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Length == 0 || scores.Length != labels.Count)
        {
            throw new ArgumentException($"The output row has {scores.Length} scores but there are {labels.Count} labels.", nameof(scores));
        }

        _labels = labels;
        _probabilities = scores.ToArray();
        if (applySoftmax)
        {
            Softmax(_probabilities);
        }

        // The first of equal maxima wins, as NumPy's argmax.
        var best = 0;
        for (var i = 1; i < _probabilities.Length; i++)
        {
            if (_probabilities[i] > _probabilities[best])
            {
                best = i;
            }
        }

        Index = best;
    }

    /// <summary>The position of the most probable class in the model's output.</summary>
    public int Index { get; }

    /// <summary>The label of the most probable class.</summary>
    public string Label => _labels[Index];

    /// <summary>The probability of the most probable class.</summary>
    public float Probability => _probabilities[Index];

    /// <summary>Every class's probability, in output order.</summary>
    public IReadOnlyList<float> Probabilities => _probabilities;

    /// <summary>
    /// The <paramref name="count"/> most probable classes, most probable first (equal ones in output order); all of them
    /// when there are fewer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public IReadOnlyList<ClassProbability> Top(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[_probabilities.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // A stable order: by probability descending, then by position.
        Array.Sort(order, (a, b) => _probabilities[b].CompareTo(_probabilities[a]) is var c && c != 0 ? c : a.CompareTo(b));
        return [.. order.Take(count).Select(i => new ClassProbability(i, _labels[i], _probabilities[i]))];
    }

    /// <inheritdoc />
    public override string ToString() => $"{Label} ({Probability:P1})";

    /// <summary>exp(x − max) / Σ exp(x − max) in double, so large logits do not overflow.</summary>
    private static void Softmax(Span<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        var sum = 0d;
        var exponentials = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            exponentials[i] = Math.Exp(values[i] - (double)max);
            sum += exponentials[i];
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(exponentials[i] / sum);
        }
    }
}
