namespace ModelBuild.Core.Toolchains;

/// <summary>The entry point for callers: the toolchain of a route, and what each route expects of the model it is given.</summary>
public static class VendorToolchains
{
    /// <summary>The vendor targets this layer compiles.</summary>
    public static IReadOnlyList<string> Targets { get; } = ["rvc2", "rvc3", "rvc4", "hailo", "openvino"];

    /// <summary>The toolchain of <paramref name="route"/>; both share one <paramref name="identifier"/> cache when given.</summary>
    public static IVendorToolchain For(VendorRoute route, ToolIdentifier? identifier = null) => route switch
    {
        VendorRoute.ModelConverter => new ModelConverterToolchain(identifier ?? new ToolIdentifier()),
        _ => new DirectToolchain(identifier ?? new ToolIdentifier()),
    };

    /// <summary>
    /// True when the model handed to the route must already hold the input preprocessing (channel flip,
    /// mean, scale), as ModelConverter bakes it into the ONNX for RVC4: SNPE has no flags for it. The
    /// other direct routes pass it to the vendor tool (mo flags, the Hailo model script), and ModelConverter
    /// applies it itself, so they want the model without it.
    /// </summary>
    public static bool NeedsPreprocessingInModel(string target, VendorRoute route) =>
        route == VendorRoute.Toolchain && string.Equals(target, "rvc4", StringComparison.OrdinalIgnoreCase);
}
