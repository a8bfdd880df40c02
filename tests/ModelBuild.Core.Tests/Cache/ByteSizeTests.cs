using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1234", 1234L)]
    [InlineData("10GiB", 10L << 30)]
    [InlineData("10 GiB", 10L << 30)]
    [InlineData("10g", 10L << 30)]
    [InlineData("500MB", 500_000_000L)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("64KiB", 65536L)]
    [InlineData("2TB", 2_000_000_000_000L)]
    [InlineData("100B", 100L)]
    public void Sizes_parse_with_decimal_and_binary_units(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ten gigs")]
    [InlineData("-5GB")]
    [InlineData("5 PB")]
    [InlineData("99999999999TiB")]
    public void Anything_else_is_not_a_size(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData(812L, "812 B")]
    [InlineData(3565158L, "3.4 MiB")]
    [InlineData(10L << 30, "10 GiB")]
    public void Sizes_format_in_binary_units(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));

    [Fact]
    public void A_bad_max_size_setting_is_MB3005()
    {
        var error = Assert.Throws<ModelBuild.Core.Diagnostics.DiagnosticException>(() => CacheOptions.FromSettings(null, maxSize: "lots"));
        Assert.Equal("MB3005", error.Diagnostic.Code);
        Assert.Contains("'lots'", error.Diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(CacheOptions.DefaultMaxSize, CacheOptions.FromSettings(null, maxSize: " ").MaxSize);
    }
}
