using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

public sealed class ActionKeyBuilderTests
{
    private static readonly Sha256Digest Model = Sha256Digest.Compute("model"u8);
    private static readonly Sha256Digest Calibration = Sha256Digest.Compute("calibration"u8);

    private static ActionKeyBuilder Baseline() =>
        new ActionKeyBuilder("quantize", "0.1.0")
            .AddInput("model", Model)
            .AddInput("calibration", Calibration)
            .WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":true}"""))
            .WithSalt("salt-1");

    public static TheoryData<string> Changes() =>
    [
        "action name", "tool version", "input digest", "input name", "extra input", "missing input",
        "option value", "option name", "no options", "salt", "no salt",
        "tool digest", "runtime version", "target", "precision",
    ];

    private static ActionKeyBuilder Changed(string change) => change switch
    {
        "action name" => new ActionKeyBuilder("convert", "0.1.0").AddInput("model", Model).AddInput("calibration", Calibration)
            .WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":true}""")).WithSalt("salt-1"),
        "tool version" => new ActionKeyBuilder("quantize", "0.1.1").AddInput("model", Model).AddInput("calibration", Calibration)
            .WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":true}""")).WithSalt("salt-1"),
        "input digest" => new ActionKeyBuilder("quantize", "0.1.0").AddInput("model", Calibration).AddInput("calibration", Calibration)
            .WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":true}""")).WithSalt("salt-1"),
        "input name" => new ActionKeyBuilder("quantize", "0.1.0").AddInput("model2", Model).AddInput("calibration", Calibration)
            .WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":true}""")).WithSalt("salt-1"),
        "extra input" => Baseline().AddInput("labels", Sha256Digest.Empty),
        "missing input" => new ActionKeyBuilder("quantize", "0.1.0").AddInput("model", Model)
            .WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":true}""")).WithSalt("salt-1"),
        "option value" => Baseline().WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_channel":false}""")),
        "option name" => Baseline().WithOptions(JsonNode.Parse("""{"precision":"FP16-INT8","per_tensor":true}""")),
        "no options" => Baseline().WithOptions(null),
        "salt" => Baseline().WithSalt("salt-2"),
        "no salt" => Baseline().WithSalt(null),
        "tool digest" => Baseline().WithToolDigest(Sha256Digest.Compute("another build of 0.1.0"u8)),
        "runtime version" => Baseline().WithRuntimeVersion("1.31.0"),
        "target" => Baseline().WithTarget("ort", null),
        "precision" => Baseline().WithTarget(null, "FP16"),
        _ => throw new ArgumentOutOfRangeException(nameof(change)),
    };

    [Fact]
    public void Same_parts_give_the_same_key() => Assert.Equal(Baseline().Build(), Baseline().Build());

    [Theory]
    [MemberData(nameof(Changes))]
    public void Changing_any_part_changes_the_key(string change) => Assert.NotEqual(Baseline().Build(), Changed(change).Build());

    [Fact]
    public void Input_order_and_option_spelling_do_not_change_the_key()
    {
        var reordered = new ActionKeyBuilder("quantize", "0.1.0")
            .AddInput("calibration", Calibration)
            .AddInput("model", Model)
            .WithOptions(JsonNode.Parse("""{ "per_channel": true, "precision": "FP16-INT8" }"""))
            .WithSalt("salt-1");

        Assert.Equal(Baseline().Build(), reordered.Build());
    }

    [Fact]
    public void Target_and_precision_are_two_fields_not_one_string() =>
        Assert.NotEqual(Baseline().WithTarget("onnxFP", "16").Build(), Baseline().WithTarget("onnx", "FP16").Build());

    [Fact]
    public void Moving_characters_between_parts_changes_the_key() =>
        Assert.NotEqual(new ActionKeyBuilder("ab", "c").Build(), new ActionKeyBuilder("a", "bc").Build());

    [Fact]
    public void An_input_name_cannot_be_added_twice() =>
        Assert.Throws<ArgumentException>(() => new ActionKeyBuilder("a", "1").AddInput("model", Model).AddInput("model", Calibration));
}
