using ModelBuild.Core.Sources;

namespace ModelBuild.Core.Tests.Sources;

public sealed class EnvironmentProxyTests
{
    private static EnvironmentProxy From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return EnvironmentProxy.FromVariables(map.GetValueOrDefault);
    }

    [Fact]
    public void Https_and_http_urls_use_their_own_variables_lower_case_first()
    {
        var proxy = From(("https_proxy", "http://secure:3128"), ("HTTPS_PROXY", "http://ignored:1"), ("HTTP_PROXY", "plain:8080"));

        Assert.Equal(new Uri("http://secure:3128"), proxy.GetProxy(new Uri("https://models.example/m.onnx")));
        Assert.Equal(new Uri("http://plain:8080"), proxy.GetProxy(new Uri("http://models.example/m.onnx")));
    }

    [Fact]
    public void All_proxy_covers_both_schemes()
    {
        var proxy = From(("ALL_PROXY", "http://all:1080"));

        Assert.Equal(new Uri("http://all:1080"), proxy.GetProxy(new Uri("https://a.example/")));
        Assert.Equal(new Uri("http://all:1080"), proxy.GetProxy(new Uri("http://a.example/")));
    }

    [Theory]
    [InlineData("https://internal/x", true)]
    [InlineData("https://models.corp.example/x", true)]
    [InlineData("https://corp.example/x", true)]
    [InlineData("https://notcorp.example/x", false)]
    [InlineData("https://10.1.2.3/x", true)]
    [InlineData("https://cdn.example:8443/x", true)]
    [InlineData("https://cdn.example/x", false)]
    [InlineData("https://127.0.0.1/x", true)]
    [InlineData("https://[::1]/x", true)]
    public void No_proxy_matches_names_domain_suffixes_addresses_and_ports(string url, bool bypassed)
    {
        var proxy = From(("https_proxy", "http://proxy:3128"), ("no_proxy", "internal, .corp.example ,10.1.2.3,cdn.example:8443"));

        Assert.Equal(bypassed, proxy.IsBypassed(new Uri(url)));
        Assert.Equal(bypassed ? null : new Uri("http://proxy:3128"), proxy.GetProxy(new Uri(url)));
    }

    [Fact]
    public void A_star_in_no_proxy_turns_the_proxy_off()
    {
        Assert.True(From(("https_proxy", "http://proxy:3128"), ("no_proxy", "*")).IsBypassed(new Uri("https://anything.example/")));
    }

    [Fact]
    public void Credentials_in_the_proxy_url_become_proxy_credentials()
    {
        var proxy = From(("https_proxy", "http://bob:pa%3Ass@proxy:3128"));

        var credential = proxy.Credentials!.GetCredential(new Uri("http://proxy:3128"), "Basic")!;
        Assert.Equal("bob", credential.UserName);
        Assert.Equal("pa:ss", credential.Password);
    }
}
