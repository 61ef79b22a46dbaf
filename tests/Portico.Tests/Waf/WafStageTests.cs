using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Waf;

/// <summary>
/// The request filter through a real gateway: blocks with 403 <c>request-blocked</c> before authentication and without
/// echoing the payload, detect mode, per-route switches, exclusions by rule, category and target, threshold
/// overrides, body inspection that forwards the body unchanged, and the log and metrics of each match.
/// </summary>
public sealed class WafStageTests : IAsyncLifetime
{
    private const string SqlPayload = "' OR '1'='1";

    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync(recordBody: true);

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private string Registry(string waf, string auth = "anonymous") => $$"""
    {
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
      "routes": [
        { "id": "guarded", "auth": "{{auth}}", "match": { "path": "/guarded/{**rest}" }, "backend": "b", "waf": {{waf}} },
        { "id": "plain", "auth": "anonymous", "match": { "path": "/plain/{**rest}" }, "backend": "b" }
      ]
    }
    """;

    private static string Query(string value) => "?q=" + Uri.EscapeDataString(value);

    [Fact]
    public async Task Block_SqlInjectionInAQueryArgument_403RequestBlockedWithoutThePayloadAndNothingForwarded()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }"""),
            new Dictionary<string, string?> { ["Logging:LogLevel:Portico.Waf"] = "Debug" });
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await gateway.Client.GetAsync("/guarded/search" + Query(SqlPayload));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "request-blocked");
        Assert.DoesNotContain("OR", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sqli", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _backend.Count);
        Assert.Equal(1, metrics.Sum("portico.waf.matches", ("rule", "sqli-02"), ("portico.route", "guarded"), ("mode", "block")));
        Assert.Equal(1, metrics.Sum("portico.waf.verdicts", ("portico.route", "guarded"), ("action", "blocked")));
        var warning = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 1701);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("sqli-02", warning.Message, StringComparison.Ordinal);
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 1700 && e.Message.Contains("query:q", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Logs.Entries, e => e.Message.Contains("'1'='1", StringComparison.Ordinal)); // no log replays the payload

        using var plain = await gateway.Client.GetAsync("/plain/search" + Query(SqlPayload));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode); // the filter is the route's, and off by default
    }

    [Fact]
    public async Task Block_OrdinaryRequest_ForwardedUnchanged()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }"""));

        using var response = await gateway.Client.GetAsync("/guarded/search" + Query("O'Brien's café & bar -- 5 stars"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("?q=" + Uri.EscapeDataString("O'Brien's café & bar -- 5 stars"), _backend.LastRequest.Query);
    }

    [Fact]
    public async Task Block_AttackOnAnAuthenticatedRoute_RefusedBeforeCredentialsAreChecked()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }""", auth: "keys"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/guarded/x" + Query("<script>alert(1)</script>"));
        request.Headers.Add("X-Api-Key", "pk_not_a_key");
        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "request-blocked");
    }

    [Fact]
    public async Task Detect_AttackOverTheThreshold_ForwardedLoggedAndCounted()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true, "mode": "detect" }"""));
        using var metrics = new MetricRecorder(gateway.Services);

        using var response = await gateway.Client.GetAsync("/guarded/x" + Query(SqlPayload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _backend.Count);
        Assert.Equal(1, metrics.Sum("portico.waf.verdicts", ("portico.route", "guarded"), ("action", "detected")));
        Assert.Equal(1, metrics.Sum("portico.waf.matches", ("rule", "sqli-02"), ("mode", "detect")));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 1702 && e.Level == LogLevel.Information);
    }

    [Theory]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "sqli-02" ] } ] }""", "q", 200)]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "sqli" ] } ] }""", "q", 200)]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "sqli-02" ], "targets": [ "query:q" ] } ] }""", "q", 200)]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "sqli-02" ], "targets": [ "query:*" ] } ] }""", "other", 200)]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "sqli-02" ], "targets": [ "query:q" ] } ] }""", "other", 403)]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "sqli-02" ], "targets": [ "body:q" ] } ] }""", "q", 403)]
    [InlineData("""{ "enabled": true, "exclusions": [ { "rules": [ "xss" ] } ] }""", "q", 403)]
    [InlineData("""{ "enabled": true, "anomalyThreshold": 6 }""", "q", 200)]
    [InlineData("""{ "enabled": false }""", "q", 200)]
    public async Task Route_ExclusionsAndOverrides_ApplyToTheirRulesAndTargetsOnly(string waf, string argument, int expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(waf));

        using var response = await gateway.Client.GetAsync($"/guarded/x?{argument}={Uri.EscapeDataString(SqlPayload)}");

        Assert.Equal(expected, (int)response.StatusCode);
    }

    [Theory]
    [InlineData(null, 403)]
    [InlineData("""{ "enabled": false }""", 200)]
    [InlineData("""{ "mode": "detect" }""", 200)]
    public async Task Gateway_EnabledForEveryRoute_RouteSettingsOverrideIt(string? waf, int expected)
    {
        var registry = Registry(waf ?? "null").Replace(", \"waf\": null", "", StringComparison.Ordinal);
        await using var gateway = await GatewayHost.StartWithFileAsync(registry, new Dictionary<string, string?>
        {
            ["Portico:Waf:Enabled"] = "true",
            ["Portico:Waf:Exclusions:0:Rules:0"] = "scan-01",
        });

        using var response = await gateway.Client.GetAsync("/guarded/x" + Query(SqlPayload));
        Assert.Equal(expected, (int)response.StatusCode);

        using var plain = await gateway.Client.GetAsync("/plain/x" + Query(SqlPayload));
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode); // a route without settings takes the gateway's

        using var scanner = new HttpRequestMessage(HttpMethod.Get, "/plain/x");
        scanner.Headers.TryAddWithoutValidation("User-Agent", "sqlmap/1.7");
        using var excluded = await gateway.Client.SendAsync(scanner);
        Assert.Equal(HttpStatusCode.OK, excluded.StatusCode); // the gateway-wide exclusion
    }

    [Theory]
    [InlineData("""{ "id": 1, "comment": { "text": "<img src=x onerror=alert(1)>" } }""", "application/json", 403)]
    [InlineData("""{ "items": [ { "note": "fine" }, { "note": "; cat /etc/passwd" } ] }""", "application/json", 403)]
    [InlineData("""{ "id": 1, "comment": { "text": "It's great -- I'd buy again; 5/5 (really)" } }""", "application/json", 200)]
    [InlineData("id=1&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "application/x-www-form-urlencoded", 403)]
    [InlineData("id=1&comment=Tom+%26+Jerry%27s+mug", "application/x-www-form-urlencoded", 200)]
    [InlineData("<script>alert(1)</script>", "text/plain", 200)] // bodies other than JSON and forms are not inspected
    public async Task Body_JsonAndFormMembers_InspectedAndForwardedByteForByte(string body, string contentType, int expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }"""));

        using var response = await gateway.Client.PostAsync("/guarded/x", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 200)
        {
            Assert.Equal(Encoding.UTF8.GetByteCount(body), _backend.LastRequest.BodyLength);
        }
    }

    [Theory]
    [InlineData("""{ "note": "\ud800 fine" }""", 200)] // an escape that leaves a surrogate unpaired: proto-06 (3) alone stays under 5
    [InlineData("""{ "note": "\ud800", "comment": "<script>alert(1)</script>" }""", 403)]
    [InlineData("{ \"note\": \"\u00FF fine\" }", 200)] // U+00FF goes as the byte 0xFF: not UTF-8
    [InlineData("{ \"note\": \"\u00FF\", \"comment\": \"<script>alert(1)</script>\" }", 403)]
    public async Task Body_JsonStringsNotUnicode_InspectedAsTextAndForwardedByteForByte(string body, int expected)
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }"""));
        var bytes = Encoding.Latin1.GetBytes(body);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        using var response = await gateway.Client.PostAsync("/guarded/x", content);

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 200)
        {
            Assert.Equal(bytes.Length, _backend.LastRequest.BodyLength);
        }
    }

    [Fact]
    public async Task Body_ExcludedJsonMember_NotInspectedWhileOthersAre()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry(
            """{ "enabled": true, "exclusions": [ { "rules": [ "xss" ], "targets": [ "body:page.html" ] } ] }"""));

        using var allowed = await gateway.Client.PostAsync("/guarded/x", new StringContent("""{ "page": { "html": "<iframe src=/embed></iframe>" } }""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        using var refused = await gateway.Client.PostAsync("/guarded/x", new StringContent("""{ "page": { "title": "<iframe src=/embed></iframe>" } }""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Body_LongerThanTheInspectedPart_ReachesTheBackendWhole()
    {
        byte[]? received = null;
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            using var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy);
            received = copy.ToArray();
        });
        var registry = $$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/{**rest}" }, "backend": "b", "waf": { "enabled": true } } ]
        }
        """;
        await using var gateway = await GatewayHost.StartWithFileAsync(registry, new Dictionary<string, string?> { ["Portico:Waf:MaxBodyBytes"] = "1024" });
        var text = new StringBuilder("{\"items\":[");
        for (int i = 0; i < 5000; i++)
        {
            text.Append(i == 0 ? "" : ",").Append("{\"name\":\"item ").Append(i).Append(" – Zoë's\"}");
        }

        var body = Encoding.UTF8.GetBytes(text.Append("]}").ToString());
        using var response = await gateway.Client.PostAsync("/x", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(received!));
    }

    [Fact]
    public async Task Block_ScannerUserAgentAndTraversalCookie_Blocked()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true }"""));

        using var scanner = new HttpRequestMessage(HttpMethod.Get, "/guarded/x");
        scanner.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (compatible; Nikto/2.5.0)");
        using var scanned = await gateway.Client.SendAsync(scanner);
        Assert.Equal(HttpStatusCode.Forbidden, scanned.StatusCode);

        using var cookie = new HttpRequestMessage(HttpMethod.Get, "/guarded/x");
        cookie.Headers.TryAddWithoutValidation("Cookie", "theme=" + Uri.EscapeDataString("../../../etc/passwd"));
        using var traversed = await gateway.Client.SendAsync(cookie);
        Assert.Equal(HttpStatusCode.Forbidden, traversed.StatusCode);
    }

    [Fact]
    public async Task Block_ValuesBeyondTheInspectionBudget_ReportedAsProto07()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry("""{ "enabled": true, "mode": "detect", "anomalyThreshold": 3 }"""));
        var query = string.Join('&', Enumerable.Range(0, 1100).Select(i => $"a{i}=1"));

        using var response = await gateway.Client.GetAsync("/guarded/x?" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detected = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 1702);
        Assert.Contains("proto-07", detected.Message, StringComparison.Ordinal);
    }
}
