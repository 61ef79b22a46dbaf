using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Observability;

/// <summary><c>portico serve</c> writes its access log as JSON lines on standard output by default.</summary>
public sealed class StdoutAccessLogTests
{
    [Fact]
    public async Task Serve_Default_WritesOneJsonLinePerRequest()
    {
        await using var backend = await TestBackend.StartAsync(context => Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, "12345"));
        using var directory = new TempDirectory();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, $$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "logged", "auth": "anonymous", "match": { "path": "/logged/{**rest}" }, "backend": "b" } ]
        }
        """);
        var environment = new Dictionary<string, string> { ["Portico__AccessLog__Output"] = "Stdout" };
        await using var gateway = GatewayProcess.Start(environment, "serve", "--config", config, "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        for (int i = 0; i < 20; i++)
        {
            using var response = await client.PostAsync($"/logged/{i}?secret=do-not-log", new StringContent("abc"));
            response.EnsureSuccessStatusCode();
        }

        List<JsonElement> Lines() => [.. gateway.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.True(await Eventually.TrueAsync(() => Lines().Count >= 20, TimeSpan.FromSeconds(10)), gateway.Output);
        var lines = Lines();
        Assert.Equal(20, lines.Count);
        Assert.Equal(
            Enumerable.Range(0, 20).Select(i => $"/logged/{i}").ToHashSet(),
            lines.Select(l => l.GetProperty("path").GetString()!).ToHashSet());
        var first = lines[0];
        Assert.Equal("POST", first.GetProperty("method").GetString());
        Assert.Equal(200, first.GetProperty("status").GetInt32());
        Assert.Equal("logged", first.GetProperty("route").GetString());
        Assert.Equal("b", first.GetProperty("backend").GetString());
        Assert.Equal("127.0.0.1", first.GetProperty("client").GetString());
        Assert.Equal(3, first.GetProperty("bytesIn").GetInt64());
        Assert.Equal(5, first.GetProperty("bytesOut").GetInt64());
        Assert.True(first.GetProperty("durationMs").GetDouble() >= first.GetProperty("upstreamMs").GetDouble());
        Assert.DoesNotContain("do-not-log", gateway.Output);
    }
}
