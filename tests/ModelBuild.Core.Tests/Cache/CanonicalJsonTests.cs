using System.Globalization;
using System.Text.Json.Nodes;
using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Members_are_sorted_by_ordinal_name_at_every_level_without_whitespace() =>
        Assert.Equal(
            """{"A":0,"a":{"c":true,"d":[2,1,null]},"b":"x"}""",
            CanonicalJson.Serialize(JsonNode.Parse("""{ "b": "x", "a": { "d": [2, 1, null], "c": true }, "A": 0 }""")));

    [Fact]
    public void Equal_documents_written_differently_give_identical_bytes()
    {
        var first = JsonNode.Parse("""{"mean":[123.675,116.28,103.53],"shape":[1,3,224,224],"encoding":{"from":"RGB","to":"BGR"}}""");
        var second = new JsonObject
        {
            ["encoding"] = new JsonObject { ["to"] = "BGR", ["from"] = "RGB" },
            ["shape"] = new JsonArray(1, 3, 224L, 224.0),
            ["mean"] = new JsonArray(123.675, 116.28, 103.53m),
        };

        Assert.Equal(CanonicalJson.SerializeToUtf8Bytes(first), CanonicalJson.SerializeToUtf8Bytes(second));
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.0", "1")]
    [InlineData("1e0", "1")]
    [InlineData("-0.0", "0")]
    [InlineData("0.1", "0.1")]
    [InlineData("1.5E+3", "1500")]
    [InlineData("12345678901234567890", "12345678901234567890")]
    [InlineData("-9223372036854775809", "-9223372036854775809")]
    [InlineData("2.5e-7", "2.5E-07")]
    public void Numbers_have_one_spelling_and_integers_stay_exact(string written, string canonical) =>
        Assert.Equal(canonical, CanonicalJson.Serialize(JsonNode.Parse(written)));

    [Fact]
    public void Numbers_do_not_depend_on_the_current_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("[1.25,-3]", CanonicalJson.Serialize(new JsonArray(1.25, -3.0f)));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Strings_escape_only_what_JSON_requires()
    {
        var value = JsonValue.Create("quote\" back\\ tab\t nl\n bell\u0007 é 🙂 </script>");

        Assert.Equal("\"quote\\\" back\\\\ tab\\t nl\\n bell\\u0007 é 🙂 </script>\"", CanonicalJson.Serialize(value));
    }

    [Fact]
    public void Null_node_and_json_null_are_the_same() =>
        Assert.Equal(CanonicalJson.Serialize(null), CanonicalJson.Serialize(JsonNode.Parse("""{"x":null}""")!["x"]));

    [Fact]
    public void NaN_cannot_be_written() =>
        Assert.ThrowsAny<ArgumentException>(() => CanonicalJson.Serialize(new JsonArray(double.NaN)));
}
