using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Portico.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portico.Tests.Waf;

/// <summary>
/// The request filter's two figures, measured through a real gateway and backend at the default settings (block,
/// threshold 5): the share of ordinary JSON API requests it refuses (false positives, over
/// Corpus/benign-requests.jsonl), and the share of attack payloads it refuses, per category (Corpus/attack-payloads.json).
/// docs/security.md quotes both.
/// </summary>
public sealed class WafCorpusTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private string Registry => $$"""
    {
      "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
      "routes": [ { "id": "api", "auth": "anonymous", "match": { "path": "/{**rest}" }, "backend": "b", "waf": { "enabled": true } } ]
    }
    """;

    [Fact]
    public async Task Corpus_BenignJsonApiRequests_FewerThanOneInTwoHundredBlocked()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry);
        var lines = await File.ReadAllLinesAsync(Repository.Path("tests", "Portico.Tests", "Waf", "Corpus", "benign-requests.jsonl"));
        var blocked = new ConcurrentBag<string>();
        var other = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(lines.Select((line, i) => (line, i)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, _) =>
        {
            using var request = Benign(JsonDocument.Parse(item.line).RootElement);
            using var response = await gateway.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Forbidden)
            {
                blocked.Add($"line {item.i + 1}");
            }
            else if (response.StatusCode != HttpStatusCode.OK)
            {
                other.Add($"line {item.i + 1}: {(int)response.StatusCode}");
            }
        });

        var rate = (double)blocked.Count / lines.Length;
        output.WriteLine($"benign requests: {lines.Length}, blocked: {blocked.Count} ({rate:P2}) {string.Join(", ", blocked.Order())}");
        foreach (var entry in gateway.Logs.Entries.Where(e => e.EventId.Id == 1701).Take(20))
        {
            output.WriteLine(entry.Message);
        }

        Assert.Empty(other);
        Assert.True(lines.Length >= 3000, "the corpus holds a few thousand requests");
        Assert.True(rate < 0.005, $"false-positive rate {rate:P2} ({blocked.Count} of {lines.Length})");
    }

    [Fact]
    public async Task Corpus_AttackPayloads_NineInTenBlockedInEveryCategory()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(Registry);
        using var corpus = JsonDocument.Parse(await File.ReadAllTextAsync(Repository.Path("tests", "Portico.Tests", "Waf", "Corpus", "attack-payloads.json")));
        var failures = new List<string>();
        var total = 0;
        var totalBlocked = 0;
        foreach (var category in corpus.RootElement.EnumerateObject().Where(c => !c.Name.StartsWith('_')))
        {
            var sent = 0;
            var blocked = 0;
            var refusedByPathChecks = 0;
            var missed = new List<string>();
            foreach (var place in category.Value.GetProperty("places").EnumerateArray().Select(p => p.GetString()!))
            {
                foreach (var payload in category.Value.GetProperty("payloads").EnumerateArray().Select(p => p.GetString()!))
                {
                    var status = await SendAttackAsync(gateway, place, payload);
                    sent++;
                    if (status == 403)
                    {
                        blocked++;
                    }
                    else if (status == 400 && place == "path")
                    {
                        // Refused before the filter by the gateway's own path checks (dot segments): it never got through.
                        blocked++;
                        refusedByPathChecks++;
                    }
                    else
                    {
                        missed.Add($"{place}: {payload} ({status})");
                    }
                }
            }

            total += sent;
            totalBlocked += blocked;
            var rate = (double)blocked / sent;
            output.WriteLine($"{category.Name}: {blocked}/{sent} refused ({rate:P1}; {refusedByPathChecks} of them by the path checks before the filter)");
            foreach (var miss in missed)
            {
                output.WriteLine("  missed " + miss);
            }

            if (rate < 0.9)
            {
                failures.Add($"{category.Name} {rate:P1}");
            }
        }

        output.WriteLine($"all: {totalBlocked}/{total} blocked ({(double)totalBlocked / total:P1})");
        Assert.Empty(failures);
    }

    private static HttpRequestMessage Benign(JsonElement line)
    {
        var query = string.Join('&', line.GetProperty("query").EnumerateArray()
            .Select(p => Uri.EscapeDataString(p[0].GetString()!) + "=" + Uri.EscapeDataString(p[1].GetString()!)));
        var request = new HttpRequestMessage(new HttpMethod(line.GetProperty("method").GetString()!), line.GetProperty("path").GetString() + (query.Length > 0 ? "?" + query : ""));
        foreach (var header in line.GetProperty("headers").EnumerateObject())
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
        }

        if (line.TryGetProperty("body", out var body))
        {
            var type = line.GetProperty("contentType").GetString()!;
            request.Content = new StringContent(body.ValueKind == JsonValueKind.String ? body.GetString()! : body.GetRawText(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        }

        return request;
    }

    private static async Task<int> SendAttackAsync(GatewayHost gateway, string place, string payload)
    {
        var escaped = Uri.EscapeDataString(payload);
        if (place == "special")
        {
            return await SendProtocolCaseAsync(gateway, payload);
        }

        using var request = new HttpRequestMessage(place is "json" or "form" ? HttpMethod.Post : HttpMethod.Get, place switch
        {
            "query" => "/api/search?page=1&q=" + escaped,
            "path" => "/api/files/" + escaped,
            _ => "/api/items",
        });
        switch (place)
        {
            case "json":
                request.Content = new StringContent(JsonSerializer.Serialize(new { id = 7, comment = new { text = payload } }), Encoding.UTF8, "application/json");
                break;
            case "form":
                request.Content = new StringContent("id=7&comment=" + escaped, Encoding.UTF8, "application/x-www-form-urlencoded");
                break;
            case "cookie":
                request.Headers.TryAddWithoutValidation("Cookie", "session=abc123; pref=" + escaped);
                break;
            case "user-agent":
                request.Headers.TryAddWithoutValidation("User-Agent", payload);
                break;
        }

        using var response = await gateway.Client.SendAsync(request);
        return (int)response.StatusCode;
    }

    private static async Task<int> SendProtocolCaseAsync(GatewayHost gateway, string name)
    {
        static string Head(string line, params string[] headers) => string.Join("\r\n", [line, .. headers]);
        var json = """{"a":"b"}"""u8.ToArray();
        var (head, body) = name switch
        {
            "get-with-body" => (Head("GET /api/items HTTP/1.1", "Content-Type: application/json"), json),
            "null-in-query" => (Head("GET /api/items?q=a%00b HTTP/1.1"), null),
            "null-in-json" => (Head("POST /api/items HTTP/1.1", "Content-Type: application/json"), """{"a":"x\u0000"}"""u8.ToArray()),
            "crlf-set-cookie" => (Head("GET /api/items?q=x%0d%0aSet-Cookie:%20a=b HTTP/1.1"), null),
            "crlf-location" => (Head("GET /api/items?next=%0d%0aLocation:%20http://evil.example HTTP/1.1"), null),
            "crlf-in-json" => (Head("POST /api/items HTTP/1.1", "Content-Type: application/json"), """{"a":"x\r\nContent-Length: 0"}"""u8.ToArray()),
            "body-without-type+bad-escape" => (Head("POST /api/items?q=%zz HTTP/1.1"), "hello"u8.ToArray()),
            "invalid-json+bad-escape" => (Head("POST /api/items?q=100% HTTP/1.1", "Content-Type: application/json"), """{"a": """u8.ToArray()),
            _ => throw new ArgumentException(name),
        };

        var length = body is null ? "" : $"\r\nContent-Length: {body.Length}";
        var response = await RawHttp.SendAsync(gateway.Url, head + length + "\r\nConnection: close", body);
        return response.Status;
    }
}
