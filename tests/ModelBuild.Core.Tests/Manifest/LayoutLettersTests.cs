using ModelBuild.Core.Manifest;

namespace ModelBuild.Core.Tests.Manifest;

public sealed class LayoutLettersTests
{
    [Theory]
    [InlineData(new long[] { 1, 3, 256, 256 }, "NCHW")]
    [InlineData(new long[] { 1, 256, 256, 3 }, "NHWC")]
    [InlineData(new long[] { 3, 224, 224 }, "CHW")]
    [InlineData(new long[] { 224, 224, 3 }, "HWC")]
    [InlineData(new long[] { 1, 19, 7, 8 }, "NCDE")]
    [InlineData(new long[] { 1, 1000 }, "NC")]
    [InlineData(new long[] { 2, 3, 8, 8 }, "CDEF")]
    [InlineData(new long[] { 1 }, "N")]
    public void Default_layout_follows_ModelConverter(long[] shape, string layout) =>
        Assert.Equal(layout, LayoutLetters.DefaultFor([.. shape.Select(d => (long?)d)]));

    [Fact]
    public void Dynamic_leading_dimension_counts_as_a_batch() =>
        Assert.Equal("NCHW", LayoutLetters.DefaultFor([null, 3, 32, 32]));

    [Theory]
    [InlineData("NCHW", true)]
    [InlineData("nhwc", true)]
    [InlineData("NCHH", false)]
    [InlineData("NC1W", false)]
    [InlineData("", false)]
    public void Layout_is_distinct_letters(string layout, bool valid) =>
        Assert.Equal(valid, LayoutLetters.IsValid(layout));
}
