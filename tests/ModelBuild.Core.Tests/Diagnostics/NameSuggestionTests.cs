using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Tests.Diagnostics;

public sealed class NameSuggestionTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("images", "images", 0)]
    [InlineData("flaw", "lawn", 2)]
    public void Distance_counts_single_character_edits(string a, string b, int expected)
    {
        Assert.Equal(expected, NameSuggestion.EditDistance(a, b));
        Assert.Equal(expected, NameSuggestion.EditDistance(b, a));
    }

    [Theory]
    [InlineData("imgaes", "images")]
    [InlineData("IMAGES", "images")]
    [InlineData("input_1", "input_0")]
    [InlineData("im_info", "im_info")]
    public void The_closest_name_is_suggested(string typed, string expected) =>
        Assert.Equal(expected, NameSuggestion.Closest(typed, ["input_0", "images", "im_info"]));

    [Fact]
    public void Nothing_is_suggested_when_no_name_is_close()
    {
        Assert.Null(NameSuggestion.Closest("pixel_values", ["input_ids", "attention_mask"]));
        Assert.Null(NameSuggestion.Closest("x", []));
    }

    [Fact]
    public void Ties_go_to_the_first_candidate() =>
        Assert.Equal("ab", NameSuggestion.Closest("a", ["ab", "ac"]));

    [Fact]
    public void A_swap_of_neighbours_counts_as_one_edit() =>
        Assert.Equal(1, NameSuggestion.EditDistance("input_modle", "input_model"));

    [Fact]
    public void Hint_lists_the_choices_when_nothing_is_close() =>
        Assert.Equal("Valid keys: name, shape.", NameSuggestion.Hint("zzz", ["name", "shape"], "Valid keys"));
}
