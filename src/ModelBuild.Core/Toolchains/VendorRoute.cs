using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Toolchains;

/// <summary>The two ways a vendor target is compiled.</summary>
public enum VendorRoute
{
    /// <summary>Luxonis ModelConverter, given the config the manifest implies.</summary>
    ModelConverter,

    /// <summary>The vendor's tools run directly: OpenVINO mo/compile_tool/pot, SNPE, the Hailo DFC, ovc.</summary>
    Toolchain,
}

/// <summary>The spellings of <see cref="VendorRoute"/> (<c>modelconverter</c>, <c>toolchain</c>).</summary>
public static class VendorRoutes
{
    /// <summary>The environment variable that picks the route when no property or option does.</summary>
    public const string EnvironmentVariable = "MODELBUILD_VENDOR_ROUTE";

    public static string NameOf(VendorRoute route) => route == VendorRoute.ModelConverter ? "modelconverter" : "toolchain";

    /// <summary>Parses a route name, ignoring case; MB6116 otherwise.</summary>
    public static VendorRoute Parse(string text, SourceLocation? at = null) => text.Trim().ToUpperInvariant() switch
    {
        "MODELCONVERTER" => VendorRoute.ModelConverter,
        "TOOLCHAIN" => VendorRoute.Toolchain,
        _ => throw new DiagnosticException(ToolchainDiagnostics.UnknownRoute.Create(at, text)),
    };

    /// <summary>
    /// The route asked for: <paramref name="explicitRoute"/> when given, else <see cref="EnvironmentVariable"/>,
    /// else ModelConverter for the Luxonis and Hailo targets (it is what their vendors maintain) and the
    /// toolchain for <c>openvino</c>, which ModelConverter does not produce.
    /// </summary>
    public static VendorRoute Choose(string? explicitRoute, string target, Func<string, string?>? environment = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoute))
        {
            return Parse(explicitRoute);
        }

        if ((environment ?? Environment.GetEnvironmentVariable)(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return Parse(fromEnvironment);
        }

        return string.Equals(target, "openvino", StringComparison.OrdinalIgnoreCase) ? VendorRoute.Toolchain : VendorRoute.ModelConverter;
    }
}
