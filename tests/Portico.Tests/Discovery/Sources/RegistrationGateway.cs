using System.Net.Http.Json;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Discovery.Sources;

/// <summary>A gateway whose backend <c>b</c> takes instance registrations (route <c>/r/{**rest}</c>), and the calls a registering service makes.</summary>
internal static class RegistrationGateway
{
    /// <summary>
    /// The registry; <paramref name="discoveryFields"/> is JSON added to <c>b</c>'s discovery block. Its instances (test
    /// backends on loopback) are allowed by <paramref name="registration"/>.
    /// </summary>
    public static string Registry(string discoveryFields = "", string registration = TestNetworks) => $$"""
    {
      "backends": [ { "id": "b", "discovery": { "type": "registration"{{discoveryFields}}, "registration": {{registration}} }, "loadBalancing": { "policy": "roundRobin" } },
                    { "id": "plain", "url": "http://127.0.0.1:9" } ],
      "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r/{**rest}" }, "backend": "b" } ]
    }
    """;

    /// <summary>Registration bounds that allow test backends (loopback, refused unless listed) and the 10.0.0.0/8 addresses tests register without serving.</summary>
    public const string TestNetworks = """{ "allowedNetworks": ["127.0.0.0/8", "10.0.0.0/8"] }""";

    public static Task<HttpResponseMessage> RegisterAsync(GatewayHost gateway, string key, object body, string backend = "b") =>
        SendAsync(gateway, HttpMethod.Put, $"/_portico/admin/backends/{backend}/instances", key, JsonContent.Create(body));

    public static Task<HttpResponseMessage> DeregisterAsync(GatewayHost gateway, string key, string url, string backend = "b") =>
        SendAsync(gateway, HttpMethod.Delete, $"/_portico/admin/backends/{backend}/instances?url={Uri.EscapeDataString(url)}", key, null);

    public static async Task<HttpResponseMessage> SendAsync(GatewayHost gateway, HttpMethod method, string path, string? key, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }

        return await gateway.Client.SendAsync(request);
    }

    /// <summary>Asserts the answer is <paramref name="status"/> with problem <paramref name="code"/>, and returns the problem.</summary>
    public static async Task<System.Text.Json.JsonElement> ProblemAsync(HttpResponseMessage response, System.Net.HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        return await ProblemAssert.ReadAsync(response, code);
    }

    /// <summary>The destinations of backend <c>b</c> as the admin view lists them.</summary>
    public static async Task<System.Text.Json.JsonElement[]> DestinationsAsync(GatewayHost gateway, string key)
    {
        using var response = await AdminTestKit.SendAsync(gateway, "/_portico/admin/backends/b", key);
        return [.. (await AdminTestKit.ReadJsonAsync(response)).GetProperty("destinations").EnumerateArray()];
    }
}
