using System.Globalization;
using System.Text.Json.Nodes;

namespace ModelBuild.Core.Pipeline.Validation;

/// <summary>
/// How one output of a converted model compares with the original's over every sample: the largest and
/// the mean absolute difference, the cosine similarity of all values taken as one vector, and for
/// classifier-shaped outputs the share of rows whose top-1 class agrees. <see cref="NonFiniteMismatches"/>
/// counts elements that are NaN or infinite in one model only; the other numbers leave them out.
/// </summary>
public sealed record OutputMetrics(
    string Name,
    long Elements,
    double MaxAbsError,
    double MeanAbsError,
    double Cosine,
    double? Top1Agreement,
    long NonFiniteMismatches)
{
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["elements"] = Elements,
        ["max_abs_error"] = Finite(MaxAbsError),
        ["mean_abs_error"] = Finite(MeanAbsError),
        ["cosine"] = Finite(Cosine),
        ["top1_agreement"] = Top1Agreement,
        ["non_finite_mismatches"] = NonFiniteMismatches,
    };

    public static OutputMetrics FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new(
            (string)json["name"]!,
            (long)json["elements"]!,
            (double?)json["max_abs_error"] ?? double.NaN,
            (double?)json["mean_abs_error"] ?? double.NaN,
            (double?)json["cosine"] ?? double.NaN,
            (double?)json["top1_agreement"],
            (long)json["non_finite_mismatches"]!);
    }

    /// <summary><c>'y': cosine 0.9999991, max abs error 3.1e-05, top-1 100.0%</c>.</summary>
    public string Describe()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"'{Name}': cosine {Cosine:0.0000000}, max abs error {MaxAbsError:G3}");
        if (Top1Agreement is { } top1)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", top-1 {top1 * 100:0.0}%");
        }

        return NonFiniteMismatches > 0
            ? text + string.Create(CultureInfo.InvariantCulture, $", {NonFiniteMismatches} NaN/infinity mismatches")
            : text;
    }

    // JSON has no NaN; a metric that is not a number is written as null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>Accumulates the metrics of one output sample by sample.</summary>
    internal sealed class Accumulator(string name, bool classifier)
    {
        private long _elements;
        private long _compared;
        private long _nonFinite;
        private double _max;
        private double _sum;
        private double _dot;
        private double _normA;
        private double _normB;
        private long _rows;
        private long _agreeing;

        public void Add(double[] original, double[] converted, int classes)
        {
            if (original.Length != converted.Length)
            {
                throw new InvalidOperationException(
                    $"Output '{name}' has {original.Length} values in the original and {converted.Length} in the converted model.");
            }

            _elements += original.Length;
            for (var i = 0; i < original.Length; i++)
            {
                double a = original[i], b = converted[i];
                if (!double.IsFinite(a) || !double.IsFinite(b))
                {
                    if (!(a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b))))
                    {
                        _nonFinite++;
                    }

                    continue;
                }

                var error = Math.Abs(a - b);
                _max = Math.Max(_max, error);
                _sum += error;
                _dot += a * b;
                _normA += a * a;
                _normB += b * b;
                _compared++;
            }

            if (classifier && classes >= 2)
            {
                for (var row = 0; row + classes <= original.Length; row += classes)
                {
                    _rows++;
                    if (TopAgrees(original.AsSpan(row, classes), converted.AsSpan(row, classes)))
                    {
                        _agreeing++;
                    }
                }
            }
        }

        public OutputMetrics Result() => new(
            name,
            _elements,
            _max,
            _compared == 0 ? 0 : _sum / _compared,
            Cosine(),
            classifier && _rows > 0 ? (double)_agreeing / _rows : null,
            _nonFinite);

        /// <summary>
        /// Agreement, counting a tie as one: the converted model's top class is the original's, or the original
        /// scores the two classes within a thousandth of the row's range of each other.
        /// </summary>
        private static bool TopAgrees(ReadOnlySpan<double> original, ReadOnlySpan<double> converted)
        {
            var a = ArgMax(original);
            var b = ArgMax(converted);
            if (a == b)
            {
                return true;
            }

            double min = double.MaxValue, max = double.MinValue;
            foreach (var value in original)
            {
                min = Math.Min(min, value);
                max = Math.Max(max, value);
            }

            return original[a] - original[b] <= 1e-3 * (max - min);
        }

        private static int ArgMax(ReadOnlySpan<double> values)
        {
            var best = 0;
            for (var i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best])
                {
                    best = i;
                }
            }

            return best;
        }

        private double Cosine()
        {
            if (_normA == 0 && _normB == 0)
            {
                return 1;
            }

            return _normA == 0 || _normB == 0 ? 0 : _dot / Math.Sqrt(_normA * _normB);
        }
    }
}
