using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Registry;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Routing;

/// <summary>
/// Fuzzing of route templates (issue 17): a template the compiler accepts always compiles into a route whose matching
/// never throws, whatever path it is asked about; a template it refuses is refused with an error on <c>match.path</c>,
/// never with an exception.
/// </summary>
public sealed class RouteTemplateFuzzTests
{
    private static readonly string[] TemplatePieces =
    [
        "/", "/", "/", "a", "b", "api", "{", "}", "{id}", "{**rest}", "{*rest}", "{id:int}", "{id?}", "{id=5}", "{a}.{b}",
        "{x:regex(^[a-z]+$)}", "{x:length(1,3)}", "{x:min(1)}", "{x:alpha}", "{x:guid}", "{x:nonfile}", "{x:unknown}",
        "{{", "}}", ":", "?", "*", "**", "=", ".", "-", "~", "%2F", "%", "(", ")", ",", "\\", " ", "é", "\u0000", "_portico",
        "{id:int:min(3)}", "{x:regex(a{{2}})}", "{x:regex((a+)+$)}", "{?}", "{}", "{a}{b}", "{a:b:c}", "{a}-{a}",
    ];

    private static readonly string[] PathPieces = ["/", "/", "a", "b", "api", "1", "123", "-1", "x", ".", "..", "%2F", "é", "a.b", "_portico", "00000000-0000-0000-0000-000000000000"];

    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddLogging()
        .AddPortico()
        .BuildServiceProvider();

    private static readonly RegistryCompiler Compiler = Services.GetRequiredService<RegistryCompiler>();

    private static readonly Portico.Security.ForwardedHeadersPolicy ForwardedHeaders = Services.GetRequiredService<Portico.Security.ForwardedHeadersPolicy>();

    [Fact]
    public void Compile_AnyTemplate_CompiledOrRefusedOnMatchPath_AndMatchingNeverThrows()
    {
        var template = Gen.OneOf(TemplatePieces).Array[0, 8].Select(parts => "/" + string.Concat(parts));
        var path = Gen.OneOf(PathPieces).Array[0, 8].Select(parts => "/" + string.Concat(parts));
        int compiled = 0, refused = 0;
        Gen.Select(template, path.Array[1, 8]).Sample(
            ((string Template, string[] Paths) input) =>
            {
                if (CheckTemplate(input.Template, input.Paths))
                {
                    compiled++;
                }
                else
                {
                    refused++;
                }
            },
            iter: FuzzBudget.Iterations(3000), time: FuzzBudget.Seconds, threads: 1);

        Assert.True(compiled > 0 && refused > 0, $"{compiled} compiled, {refused} refused: the generator must reach both");
    }

    /// <summary>Compiles one template and matches the paths against it; true when it compiled.</summary>
    private static bool CheckTemplate(string template, string[] paths)
    {
        var result = Compiler.Compile(OneRoute(template), "fuzz");
        if (result.Snapshot is null)
        {
            Assert.NotEmpty(result.Errors);
            Assert.All(result.Errors, e => Assert.StartsWith("$.routes[0].match.path", e.JsonPath, StringComparison.Ordinal));
            return false;
        }

        foreach (var candidate in paths)
        {
            var http = new DefaultHttpContext();
            http.Request.Method = "GET";
            http.Request.Host = new HostString("gateway.test");
            http.Request.Path = new PathString(candidate);
            var values = new RouteValueDictionary();
            var matched = result.Snapshot.Routes.Match(http, values, out var allowed); // may or may not match; must not throw

            // A request is matched without keeping the values (issue 25): the decision and the 405's methods are
            // the same, and the values made later for the request equal those of the full match.
            Assert.Same(matched, result.Snapshot.Routes.Match(http, null, out var allowedWithoutValues));
            Assert.Equal(allowed, allowedWithoutValues);
            if (matched is not null)
            {
                var context = new GatewayContext(http, result.Snapshot, ForwardedHeaders) { Route = matched };
                Assert.Equal(values.OrderBy(v => v.Key, StringComparer.Ordinal), context.RouteValues.OrderBy(v => v.Key, StringComparer.Ordinal));
            }
        }

        return true;
    }

    /// <summary>
    /// A template of literal segments and a catch-all is decided without the matcher when the path goes on after the
    /// literals with a segment (issue 25); at the edges (no segment after them, an empty one, a longer literal) the
    /// matcher decides. Either way the answer and the request's values are the matcher's.
    /// </summary>
    [Theory]
    [InlineData("/plain/{**rest}", "/plain/1k", true)]
    [InlineData("/plain/{**rest}", "/PLAIN/1k/", true)]
    [InlineData("/plain/{**rest}", "/plain/a/b//c", true)]
    [InlineData("/plain/{**rest}", "/plain/%2F", true)]
    [InlineData("/plain/{**rest}", "/plain", null)]
    [InlineData("/plain/{**rest}", "/plain/", null)]
    [InlineData("/plain/{**rest}", "/plain//1k", false)]
    [InlineData("/plain/{**rest}", "/plainer/1k", false)]
    [InlineData("/plain/{**rest}", "/plai/1k", false)]
    [InlineData("/a/b/{*rest}", "/a/B/c", true)]
    [InlineData("/a/b/{*rest}", "/a/c/d", false)]
    [InlineData("/a/b/{*rest}", "/a//b/c", false)]
    public void Match_CatchAllAfterLiterals_DecidesAsTheMatcher(string template, string path, bool? matches)
    {
        var snapshot = Compiler.Compile(OneRoute(template), "catch-all").Snapshot!;
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Host = new HostString("gateway.test");
        http.Request.Path = new PathString(path);

        var values = new RouteValueDictionary();
        var matched = snapshot.Routes.Match(http, values, out _);
        Assert.Same(matched, snapshot.Routes.Match(http, null, out _));
        if (matches is { } expected)
        {
            Assert.Equal(expected, matched is not null);
        }

        if (matched is not null)
        {
            var context = new GatewayContext(http, snapshot, ForwardedHeaders) { Route = matched };
            Assert.Equal(values.OrderBy(v => v.Key, StringComparer.Ordinal), context.RouteValues.OrderBy(v => v.Key, StringComparer.Ordinal));
        }
    }

    /// <summary>A registry of one route, answered statically, matching <paramref name="template"/>.</summary>
    private static RegistryDocument OneRoute(string template) => new()
    {
        Routes =
        [
            new RouteDefinition { Id = "r", Auth = "anonymous", Match = new RouteMatchDefinition { Path = template }, Static = new StaticResponseDefinition { Status = 200 } },
        ],
    };
}
