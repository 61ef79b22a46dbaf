using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portico.Configuration;
using Portico.Hosting;
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

    private static readonly RegistryCompiler Compiler = new ServiceCollection()
        .AddLogging()
        .AddPortico()
        .BuildServiceProvider()
        .GetRequiredService<RegistryCompiler>();

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
        var document = new RegistryDocument
        {
            Routes =
            [
                new RouteDefinition { Id = "r", Auth = "anonymous", Match = new RouteMatchDefinition { Path = template }, Static = new StaticResponseDefinition { Status = 200 } },
            ],
        };

        var result = Compiler.Compile(document, "fuzz");
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
            _ = result.Snapshot.Routes.Match(http, new RouteValueDictionary(), out _); // may or may not match; must not throw
        }

        return true;
    }
}
