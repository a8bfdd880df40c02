namespace ModelBuild.Core.Pipeline.Steps;

/// <summary>The steps of a compile, in the order they run; the compile and its dry run both walk this list.</summary>
internal static class PipelineSteps
{
    /// <summary>fetch, inspect, prepare, quantize, fp16, ort, vendor-compile: each runs when it applies to the plan.</summary>
    public static IReadOnlyList<IPipelineStep> Create(PipelineServices services) =>
    [
        new FetchStep(services),
        new InspectStep(services),
        new PrepareStep(services),
        new QuantizeStep(services),
        new Float16Step(services),
        new OrtFormatStep(services),
        new VendorCompileStep(services),
    ];
}
