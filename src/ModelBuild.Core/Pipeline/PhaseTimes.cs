using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// Wall time per phase of an engine run, for profiling (benchmarks/quantize-build.sh): off unless the
/// <see cref="EnvironmentVariable"/> names a file, so it never touches outputs, keys or reports. Phases are named
/// with <c>/</c> for nesting (<c>quantize/calibration</c>); a phase that runs several times is summed. Times are
/// collected for the code that runs inside <see cref="Activate"/> (flowing through awaits and tasks).
/// </summary>
public sealed class PhaseTimes
{
    /// <summary>The environment variable naming the file the engine writes its phase times to (tab-separated lines).</summary>
    public const string EnvironmentVariable = "MODELBUILD_PHASE_TIMES";

    private static readonly AsyncLocal<PhaseTimes?> Active = new();

    private readonly Lock _lock = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (TimeSpan Elapsed, int Count)> _phases = new(StringComparer.Ordinal);

    /// <summary>Each phase with its summed wall time and how many times it ran, in the order phases first started.</summary>
    public IReadOnlyList<PhaseTime> Phases
    {
        get
        {
            lock (_lock)
            {
                return [.. _order.Select(p => new PhaseTime(p, _phases[p].Elapsed, _phases[p].Count))];
            }
        }
    }

    /// <summary>Collects the phases of the calling flow into <paramref name="times"/> until the result is disposed.</summary>
    public static Activation Activate(PhaseTimes times)
    {
        ArgumentNullException.ThrowIfNull(times);
        var previous = Active.Value;
        Active.Value = times;
        return new Activation(previous);
    }

    /// <summary>Times <paramref name="phase"/> until the result is disposed; nothing when no collection is active.</summary>
    public static Measurement Measure(string phase) =>
        Active.Value is { } times ? new Measurement(times, phase, Stopwatch.GetTimestamp()) : default;

    /// <summary>One line per phase: seconds (three decimals), runs, name; tab-separated.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var phase in Phases)
        {
            text.Append(CultureInfo.InvariantCulture, $"{phase.Elapsed.TotalSeconds:0.000}\t{phase.Count}\t{phase.Name}\n");
        }

        return text.ToString();
    }

    private void Add(string phase, TimeSpan elapsed)
    {
        lock (_lock)
        {
            if (_phases.TryGetValue(phase, out var sum))
            {
                _phases[phase] = (sum.Elapsed + elapsed, sum.Count + 1);
            }
            else
            {
                _order.Add(phase);
                _phases[phase] = (elapsed, 1);
            }
        }
    }

    /// <summary>Ends a collection started by <see cref="Activate"/>.</summary>
    public readonly struct Activation(PhaseTimes? previous) : IDisposable
    {
        public void Dispose() => Active.Value = previous;
    }

    /// <summary>One running phase; disposing it adds its wall time.</summary>
    public readonly struct Measurement(PhaseTimes? times, string phase, long started) : IDisposable
    {
        public void Dispose() => times?.Add(phase, Stopwatch.GetElapsedTime(started));
    }
}

/// <summary>One phase's summed wall time and how many times it ran.</summary>
public sealed record PhaseTime(string Name, TimeSpan Elapsed, int Count);
