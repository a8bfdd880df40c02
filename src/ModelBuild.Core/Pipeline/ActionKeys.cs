using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Targets;
using ModelBuild.Core.Toolchains;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// The keys of a model's actions: each names its inputs' digests, its options, the engine (version, binary
/// digest, ONNX Runtime version; see <see cref="EngineIdentity.NewActionKey"/>) and the salt.
/// The compile and its dry run use the same keys, so a dry run shows exactly what a compile would look up.
/// </summary>
internal sealed class ActionKeys(EngineIdentity engine, string? salt)
{
    public ActionKey Inspect(Sha256Digest source) =>
        engine.NewActionKey("inspect").AddInput(ActionOutputs.Model, source).WithSalt(salt).Build();

    /// <summary>An Open Model Zoo model's postprocessing: every file by name, the steps and the ONNX file it leaves.</summary>
    public ActionKey Postprocess(IEnumerable<KeyValuePair<string, Sha256Digest>> files, JsonObject options)
    {
        var builder = engine.NewActionKey("omz-postprocess");
        foreach (var (name, digest) in files)
        {
            builder.AddInput("file:" + name, digest);
        }

        return builder.WithOptions(options).WithSalt(salt).Build();
    }

    public ActionKey Prepare(StoredModel source, ConversionPlan plan)
    {
        var builder = engine.NewActionKey("prepare");
        foreach (var (name, blob) in source.Named(ActionOutputs.Model))
        {
            builder.AddInput(name, blob.Digest);
        }

        return builder.WithOptions(new JsonObject { ["prepare"] = plan.PrepareOptions(), ["validation"] = plan.ValidationOptions() })
            .WithSalt(salt)
            .Build();
    }

    /// <summary>A step after prepare (<c>fp16</c>, <c>ort</c>): its input model, the source it is checked against, its options.</summary>
    public ActionKey Convert(string step, StoredModel source, StoredModel input, JsonObject options, ConversionPlan plan)
    {
        var builder = engine.NewActionKey(step);
        foreach (var (name, blob) in input.Named(ActionOutputs.Model).Concat(source.Named(ActionOutputs.Source)))
        {
            builder.AddInput(name, blob.Digest);
        }

        return builder.WithOptions(new JsonObject { [step] = options, ["validation"] = plan.ValidationOptions() }).WithSalt(salt).Build();
    }

    /// <summary>
    /// The vendor-compile action: the model handed to the vendor, the files it reads (calibration data, by
    /// content), the toolchain's canonical options, the target and precision, and each tool's name, printed
    /// version and file digest (never its path, which differs between machines). With <paramref name="tools"/>
    /// null it is the key of the newest result whatever tools made it, which a machine without them restores.
    /// </summary>
    public ActionKey VendorCompile(
        StoredModel input,
        IReadOnlyList<KeyValuePair<string, Sha256Digest>> files,
        JsonObject options,
        TargetSelection selection,
        IReadOnlyList<ToolIdentity>? tools)
    {
        var builder = engine.NewActionKey(tools is null ? "vendor-compile-newest" : "vendor-compile");
        foreach (var (name, blob) in input.Named(ActionOutputs.Model))
        {
            builder.AddInput(name, blob.Digest);
        }

        foreach (var (name, digest) in files)
        {
            builder.AddInput(name, digest);
        }

        var keyed = new JsonObject { ["vendor"] = options.DeepClone() };
        if (tools is not null)
        {
            keyed["tools"] = new JsonArray(
                [.. tools.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["version"] = t.Version, ["sha256"] = t.Sha256 })]);
        }

        return builder.WithOptions(keyed).WithTarget(selection.Target.Name, selection.Precision.Name).WithSalt(salt).Build();
    }

    /// <summary>
    /// A stage-linked calibration (<c>calibration: {stage, output}</c>): the linked stage's prepared model that runs, the output
    /// taken, and that stage's calibration data (every file by digest, or the random form's settings) it runs over.
    /// </summary>
    public ActionKey LinkedCalibration(StoredModel linked, string output, JsonObject calibration)
    {
        var builder = engine.NewActionKey("linked-calibration");
        foreach (var (name, blob) in linked.Named(ActionOutputs.Model))
        {
            builder.AddInput(name, blob.Digest);
        }

        return builder.WithOptions(new JsonObject { ["output"] = output, ["calibration"] = calibration }).WithSalt(salt).Build();
    }
}
