using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Diagnostics;

public sealed class DiagnosticTests
{
    private static readonly DiagnosticDescriptor Sample = new("MB0001", DiagnosticSeverity.Error, "Value '{0}' is wrong.");

    [Theory]
    [InlineData(3, 7, "m.yaml(3,7): error MB0001: Value 'x' is wrong.")]
    [InlineData(3, 0, "m.yaml(3): error MB0001: Value 'x' is wrong.")]
    [InlineData(0, 0, "m.yaml: error MB0001: Value 'x' is wrong.")]
    public void Canonical_form_carries_the_location_MSBuild_parses(int line, int column, string expected) =>
        Assert.Equal(expected, Sample.Create(new SourceLocation("m.yaml", line, column), "x").ToCanonicalString());

    [Fact]
    public void Canonical_form_without_a_file_names_the_tool() =>
        Assert.Equal(
            "modelbuild: warning MB0002: careful",
            new Diagnostic("MB0002", DiagnosticSeverity.Warning, "careful", null).ToCanonicalString());
}
