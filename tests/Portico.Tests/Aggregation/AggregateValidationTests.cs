using System.Net;
using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>
/// Invalid composite routes are refused with errors naming the route, the part and the field (and the file line);
/// a running gateway keeps its last good snapshot.
/// </summary>
public sealed class AggregateValidationTests
{
    [Fact]
    public async Task Validate_PartsInACycle_NamesRoutePartAndTheCycle()
    {
        var errors = await ErrorsAsync("""
            { "name": "a", "backend": "b", "path": "/a?x={c.id}" },
            { "name": "b", "backend": "b", "path": "/b", "headers": { "X-A": "{a.id}" } },
            { "name": "c", "backend": "b", "path": "/c", "body": { "from": "{b}" }, "method": "POST" },
            { "name": "free", "backend": "b", "path": "/free" }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("route 'home'", error.Subject);
        Assert.StartsWith("aggregate.parts[", error.Field, StringComparison.Ordinal);
        Assert.Contains("cycle", error.Message);
        Assert.Matches("'(a|b|c)' → '(a|b|c)' → '(a|b|c)' → '(a|b|c)'", error.Message);
    }

    [Fact]
    public async Task Validate_UnknownPartUnknownBackendAndSelfReference_EachNamedWithItsLine()
    {
        var errors = await ErrorsAsync("""
            { "name": "profile", "backend": "b", "path": "/p/{profil.id}" },
            { "name": "orders", "backend": "nope", "path": "/o" },
            { "name": "self", "backend": "b", "path": "/s/{self.id}" }
            """);

        Expect(errors, "aggregate.parts[0].path", "part 'profile': '{profil.id}': unknown part 'profil'", line: 6);
        Expect(errors, "aggregate.parts[1].backend", "part 'orders': unknown backend 'nope'", line: 7);
        Expect(errors, "aggregate.parts[2].path", "part 'self': '{self.id}': a part cannot read its own answer", line: 8);
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public async Task Validate_RequiredPartReadingAnOptionalOne_IsRefused()
    {
        var errors = await ErrorsAsync("""
            { "name": "profile", "backend": "b", "path": "/p", "optional": true },
            { "name": "orders", "backend": "b", "path": "/o?user={profile.id}" }
            """);

        Expect(errors, "aggregate.parts[1]", "part 'orders' is required but reads optional part 'profile'");
    }

    [Fact]
    public async Task Validate_EveryFieldRule_ReportedTogether()
    {
        var errors = await ErrorsAsync("""
            { "name": "query", "backend": "b", "path": "/x" },
            { "name": "dup", "backend": "b", "path": "/x" },
            { "name": "dup", "backend": "b", "path": "/y" },
            { "name": "bad.name", "backend": "b", "path": "/x" },
            { "name": "rel", "backend": "b", "path": "x" },
            { "name": "dots", "backend": "b", "path": "/a/../b" },
            { "name": "param", "backend": "b", "path": "/u/{route.nosuch}" },
            { "name": "who", "backend": "b", "path": "/u/{identity.consumerId}" },
            { "name": "unclosed", "backend": "b", "path": "/u/{route.id" },
            { "name": "verb", "backend": "b", "method": "TRACE", "path": "/x" },
            { "name": "getbody", "backend": "b", "path": "/x", "body": { "a": 1 } },
            { "name": "both", "backend": "b", "method": "POST", "path": "/x", "body": {}, "forwardBody": true },
            { "name": "host", "backend": "b", "path": "/x", "headers": { "Host": "evil", "X-Portico-Consumer": "admin", "X-Forwarded-For": "1.2.3.4", "Content-Type": "text/plain" } },
            { "name": "forged", "backend": "b", "path": "/x", "headers": { "X-Who": "{header.X-Portico-Consumer}" } },
            { "name": "fb", "backend": "b", "path": "/x", "fallback": [] },
            { "name": "rootfb", "backend": "b", "path": "/x", "optional": true, "merge": "root", "fallback": [] },
            { "name": "merge", "backend": "b", "path": "/x", "merge": "sideways" },
            { "name": "ptr", "backend": "b", "path": "/x", "pointer": "data" },
            { "name": "fields", "backend": "b", "path": "/x", "fields": [] },
            { "name": "slow", "backend": "b", "path": "/x", "timeout": "1m" },
            { "name": "size", "backend": "b", "path": "/x", "maxResponseSize": 0 },
            { "name": "marker", "backend": "b", "path": "/x", "member": "_portico" },
            { "name": "twin", "backend": "b", "path": "/x", "member": "fields" }
            """, aggregateExtra: """ "timeout": "10s", "maxConcurrency": 0, """);

        Expect(errors, "aggregate.maxConcurrency", "between 1 and 64");
        Expect(errors, "aggregate.parts[0].name", "'query' is reserved");
        Expect(errors, "aggregate.parts[2].name", "duplicate part name 'dup'");
        Expect(errors, "aggregate.parts[3].name", "is not a part name");
        Expect(errors, "aggregate.parts[4].path", "must start with '/'");
        Expect(errors, "aggregate.parts[5].path", "'.' and '..' segments are not allowed");
        Expect(errors, "aggregate.parts[6].path", "match.path has no parameter 'nosuch' (it has: id)");
        Expect(errors, "aggregate.parts[7].path", "the route is anonymous");
        Expect(errors, "aggregate.parts[8].path", "is not closed");
        Expect(errors, "aggregate.parts[9].method", "'TRACE' is not one of GET, POST, PUT, PATCH, DELETE");
        Expect(errors, "aggregate.parts[10].body", "a GET call has no body");
        Expect(errors, "aggregate.parts[11].body", "set 'body' or 'forwardBody', not both");
        Expect(errors, "aggregate.parts[12].headers.Host", "'Host' is set by Portico");
        Expect(errors, "aggregate.parts[12].headers.X-Portico-Consumer", "reserved");
        Expect(errors, "aggregate.parts[12].headers.X-Forwarded-For", "reserved");
        Expect(errors, "aggregate.parts[12].headers.Content-Type", "this call sends none");
        Expect(errors, "aggregate.parts[13].headers.X-Who", "clients can forge 'X-Portico-Consumer'");
        Expect(errors, "aggregate.parts[14].fallback", "only an optional part has a fallback");
        Expect(errors, "aggregate.parts[15].fallback", "needs an object");
        Expect(errors, "aggregate.parts[16].merge", "'sideways' is not 'member' or 'root'");
        Expect(errors, "aggregate.parts[17].pointer", "is not a JSON pointer");
        Expect(errors, "aggregate.parts[18].fields", "an empty list keeps nothing");
        Expect(errors, "aggregate.parts[19].timeout", "longer than the route's deadline (10s)");
        Expect(errors, "aggregate.parts[20].maxResponseSize", "must be between 1 and");
        Expect(errors, "aggregate.parts[21].member", "'_portico' is reserved");
        Expect(errors, "aggregate.parts[22].member", "member 'fields' is already written by part 'fields'");
        Assert.All(errors, e => Assert.Equal("route 'home'", e.Subject));
    }

    [Fact]
    public async Task Validate_PartReadsAHeaderBackendsTrustFromFrontEnds_IsRefused()
    {
        var errors = await ErrorsAsync("""
            { "name": "url", "backend": "b", "path": "/x", "headers": { "X-A": "{header.X-Rewrite-URL}" } },
            { "name": "user", "backend": "b", "path": "/x", "headers": { "X-A": "{header.X-Remote-User}" } },
            { "name": "ip", "backend": "b", "path": "/x", "headers": { "X-A": "{header.True-Client-IP}" } },
            { "name": "setsit", "backend": "b", "path": "/x", "headers": { "X-Remote-User": "{route.id}" } }
            """);

        Expect(errors, "aggregate.parts[0].headers.X-A", "clients can forge 'X-Rewrite-URL'");
        Expect(errors, "aggregate.parts[1].headers.X-A", "clients can forge 'X-Remote-User'");
        Expect(errors, "aggregate.parts[2].headers.X-A", "clients can forge 'True-Client-IP'");
        // Sending one, from a value the gateway has, is the route's choice.
        Assert.DoesNotContain(errors, e => e.Field.StartsWith("aggregate.parts[3]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_AggregateNextToAnotherTargetOrWithRewrite_IsRefused()
    {
        var errors = await RegistryValidation.ErrorsAsync("""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "routes": [
            { "id": "two", "auth": "anonymous", "match": { "path": "/two" }, "backend": "b", "aggregate": { "parts": [ { "name": "a", "backend": "b", "path": "/a" } ] } },
            { "id": "rewritten", "auth": "anonymous", "match": { "path": "/r" }, "rewrite": { "stripPrefix": "/r" }, "aggregate": { "parts": [ { "name": "a", "backend": "b", "path": "/a" } ] } },
            { "id": "empty", "auth": "anonymous", "match": { "path": "/e" }, "aggregate": { "parts": [] } },
            { "id": "forever", "auth": "anonymous", "match": { "path": "/f" }, "aggregate": { "timeout": "10m", "parts": [ { "name": "a", "backend": "b", "path": "/a" } ] } }
          ]
        }
        """);

        Assert.Contains(errors, e => e.Subject == "route 'two'" && e.Message.Contains("exactly one target", StringComparison.Ordinal) && e.Message.Contains("'aggregate'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Subject == "route 'rewritten'" && e.Field == "rewrite");
        Assert.Contains(errors, e => e.Subject == "route 'empty'" && e.Field == "aggregate.parts" && e.Message.Contains("at least one part", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Subject == "route 'forever'" && e.Field == "aggregate.timeout" && e.Message.Contains("230s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_ValidCompositeRoute_HasNoErrors()
    {
        var errors = await ErrorsAsync("""
            { "name": "profile", "backend": "b", "path": "/users/{route.id}", "fields": ["id", "name"], "rename": { "name": "fullName" } },
            { "name": "orders", "backend": "b", "path": "/orders?user={profile.id}&q={query.q?}", "pointer": "/items", "optional": true, "fallback": [], "timeout": "500ms" },
            { "name": "meta", "backend": "b", "method": "POST", "path": "/meta", "merge": "root", "body": { "lang": "{header.Accept-Language?}", "who": "{profile}" }, "headers": { "Content-Language": "en" } }
            """);

        Assert.Empty(errors);
    }

    [Fact]
    public async Task Reload_CompositeWithACycle_RejectedNamingThePartAndTheLastGoodKeepsServing()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"1"}"""));
        string Registry(string orders) => $$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "home", "auth": "anonymous", "match": { "path": "/home" }, "aggregate": { "parts": [
            { "name": "profile", "backend": "b", "path": "{{orders}}" },
            { "name": "orders", "backend": "b", "path": "/o/{profile.id}" }
          ] } } ]
        }
        """;
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("/p"), new Dictionary<string, string?> { ["Portico:Registry:ReloadInterval"] = "00:00:01" });
        Assert.Equal("""{"profile":{"id":"1"},"orders":{"id":"1"}}""" + "\n", await gateway.Client.GetStringAsync("/home"));

        await gateway.WriteConfigAsync(Registry("/p/{orders.id}"));

        Assert.True(await Eventually.TrueAsync(() => gateway.Logs.Entries.Any(e => e.EventId.Id == 101), TimeSpan.FromSeconds(10)), "no rejection was logged");
        var rejection = gateway.Logs.Entries.First(e => e.EventId.Id == 101);
        Assert.Contains("route 'home': aggregate.parts[", rejection.Message);
        Assert.Contains("cycle", rejection.Message);
        using var response = await gateway.Client.GetAsync("/home");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"profile":{"id":"1"},"orders":{"id":"1"}}""" + "\n", await response.Content.ReadAsStringAsync());
    }

    private static Task<IReadOnlyList<ConfigurationError>> ErrorsAsync(string parts, string aggregateExtra = "") => RegistryValidation.ErrorsAsync($$"""
        {
          "backends": [ { "id": "b", "url": "http://127.0.0.1:9" } ],
          "routes": [ {
            "id": "home", "auth": "anonymous", "match": { "path": "/home/{id}" },
            "aggregate": { {{aggregateExtra}} "parts": [
            {{parts}}
            ] }
          } ]
        }
        """);

    private static void Expect(IReadOnlyList<ConfigurationError> errors, string field, string messagePart, int? line = null) =>
        Assert.True(
            errors.Any(e => e.Subject == "route 'home'" && e.Field == field && e.Message.Contains(messagePart, StringComparison.Ordinal)
                && (line is null || e.Location!.StartsWith($"portico.json:{line}:", StringComparison.Ordinal))),
            $"expected {field}: {messagePart}{(line is null ? "" : $" at line {line}")}; got:\n{string.Join("\n", errors)}");
}
