using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Pipeline.Validation;
using ModelBuild.Core.Sessions;

namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>
/// A step that turns one model into another as an action (prepare, quantize, fp16, ort): keyed by its input
/// model, the source it is checked against, its options and the validation settings; its result is validated
/// against the original and stored with its signature and report.
/// </summary>
internal abstract class ConvertingStep(PipelineServices services) : IPipelineStep
{
    public abstract string Name { get; }

    public virtual PipelineStage Stage => PipelineStage.Convert;

    protected PipelineServices Services => services;

    public abstract bool AppliesTo(CompileState state);

    public async Task<IReadOnlyList<PreviewStep>> PreviewAsync(CompileState state, CancellationToken cancellationToken)
    {
        var options = Options(state);
        if (state.UnknownAfter is { } unknown)
        {
            return [new PreviewStep(Name, null, false, options, $"the key is known once {unknown} has run")];
        }

        var key = Key(state, options);
        var record = services.Cache.Actions.TryGet(key);
        if (record is null)
        {
            state.UnknownAfter = Name;
        }
        else
        {
            state.Steps.Add(await FromRecordAsync(key, record, cancellationToken).ConfigureAwait(false));
        }

        return [new PreviewStep(Name, key, record is not null, options, null)];
    }

    public async Task RunAsync(CompileState state, CancellationToken cancellationToken)
    {
        var options = Options(state);
        var key = Key(state, options);
        var record = await services.Actions.RunAsync(
            key, $"{state.Request.Name}: {Name}", () => ComputeAsync(state, options, cancellationToken), state
                .Tally, cancellationToken).ConfigureAwait(false);
        var outcome = await FromRecordAsync(key, record, cancellationToken).ConfigureAwait(false);
        state.Steps.Add(outcome);
        state.Attachments.AddRange(outcome.Attachments);
    }

    /// <summary>The step's options as its key holds them; in a dry run whose previous step is not cached, those known without it.</summary>
    protected abstract JsonObject Options(CompileState state);

    /// <summary>The step's key: the previous step's model, the source model, the options and the validation settings.</summary>
    protected virtual ActionKey Key(CompileState state, JsonObject options)
    {
        var previous = state.Current ?? throw new InvalidOperationException($"The {Name} step follows another step.");
        return services.Keys.Convert(Name, state.Source.Stored, previous.Model, options, state.ValidPlan);
    }

    /// <summary>Computes the step's result on a cache miss and returns the action record to store.</summary>
    protected abstract Task<ActionRecord> ComputeAsync(CompileState state, JsonObject options, CancellationToken cancellationToken);

    /// <summary>Validates a converted model against the original and stores it with its signature, report and attachments.</summary>
    protected async Task<ActionRecord> StoreAsync(
        CompileState state,
        StepResult result,
        Stopwatch clock,
        CancellationToken cancellationToken)
    {
        var (converted, signature, passes, warnings, original) = result;
        ValidationResult validation;
        using (PhaseTimes.Measure($"{Name}/validation"))
        using (var runtimeModel = RuntimeModel.ForProto(converted))
        {
            validation = ConversionValidator.Validate(original, runtimeModel, state.ValidPlan, converted, state.References);
        }

        var report = new StepReport(Name, [.. passes], validation, [.. warnings.Select(w => w with { Location = null })]);
        Log(state, report, clock);
        using var storing = PhaseTimes.Measure($"{Name}/cache write");
        var stored = await services.Store.PutAsync(converted, cancellationToken).ConfigureAwait(false);
        var content = services.Cache.Content;
        return new ActionRecord(Name,
        [
            .. stored.Named(),
            new(ActionOutputs.Signature, await content.PutAsync(SignatureJson.Write(signature), cancellationToken).ConfigureAwait(false)),
            new(ActionOutputs.Report, await content.PutAsync(report.ToBytes(), cancellationToken).ConfigureAwait(false)),
            .. await Task.WhenAll(result.Attachments.Select(async a => KeyValuePair.Create(
                ActionOutputs.AttachmentPrefix + a.FileName,
                await content.PutAsync(a.Content, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false),
        ],
        result.Metadata);
    }

    /// <summary>One line for people: the step, its passes, what validation found and how long it took.</summary>
    protected void Log(CompileState state, StepReport report, Stopwatch clock)
    {
        var validation = report.Validation.Skipped is { } skipped
            ? $"not validated ({skipped})"
            : $"checked against the original on {report.Validation.Samples} inputs: "
                + string.Join("; ", report.Validation.Outputs.Select(o => o.Describe()));
        var passes = string.Join(", ", report.Passes.Select(p => p.Name).DefaultIfEmpty("no passes"));
        services.Log(string.Create(
            CultureInfo.InvariantCulture, $"ModelBuild: {state.Request.Name}: {Name} ({passes}) {validation}; " +
                $"{clock.Elapsed.TotalSeconds:0.00} s."));
    }

    /// <summary>The source model, read from the store.</summary>
    protected ModelProto ReadOriginal(CompileState state) => Read(state, state.Source.Stored);

    /// <summary>A stored model, read (diagnostics name it as the source).</summary>
    protected ModelProto Read(CompileState state, StoredModel model)
    {
        using (PhaseTimes.Measure($"{Name}/read model"))
        {
            return services.Store.Read(model, state.Source.DisplayName, state.Source.At);
        }
    }

    /// <summary>A pass result that breaks the model's structure is an engine fault, never the user's.</summary>
    protected void CheckStructure(ModelProto model)
    {
        var problems = OnnxModelValidator.Validate(model);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"The {Name} step produced an invalid model: {problems[0].Message}");
        }
    }

    /// <summary>MB6015 when ONNX Runtime refuses the converted model.</summary>
    protected static void CheckLoads(ModelProto model, string description, ModelSource source)
    {
        try
        {
            using var runtimeModel = RuntimeModel.ForProto(model);
            using var session = runtimeModel.Open(new ModelSessionOptions
            {
                LogSeverity = RuntimeLogSeverity.Fatal,
                OptimizationLevel = GraphOptimization.None,
            });
        }
        catch (OnnxRuntimeErrorException e)
        {
            throw new DiagnosticException(PipelineDiagnostics.ConvertedModelRejected.Create(
                source.At, OnnxRuntimeLibrary.Version, description, source.DisplayName, e.NativeMessage));
        }
    }

    /// <summary>Stops the compile with the diagnostics a pass left.</summary>
    protected static CompileStoppedException Stopped(CompileState state, DiagnosticBag bag)
    {
        state.Diagnostics.AddRange(bag.Items);
        return new CompileStoppedException();
    }

    private async Task<StepOutcome> FromRecordAsync(ActionKey key, ActionRecord record, CancellationToken cancellationToken)
    {
        var signature = SignatureJson.Read(
            await services.Actions.ReadBlobAsync(record.Outputs[ActionOutputs.Signature], cancellationToken).ConfigureAwait(false));
        var report = StepReport.FromBytes(
            await services.Actions.ReadBlobAsync(record.Outputs[ActionOutputs.Report], cancellationToken).ConfigureAwait(false));
        return new StepOutcome(Name, key, StoredModel.FromRecord(record), signature, report)
        {
            Attachments =
            [
                .. record.Outputs
                    .Where(o => o.Key.StartsWith(ActionOutputs.AttachmentPrefix, StringComparison.Ordinal))
                    .Select(o => new CompiledFile(o.Key[ActionOutputs.AttachmentPrefix.Length..], o.Value)),
            ],
            Metadata = record.Metadata,
        };
    }
}
