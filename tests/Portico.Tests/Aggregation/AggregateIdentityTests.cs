using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Portico.Aggregation;
using Portico.Configuration;
using Portico.Pipeline;
using Portico.Registry;
using Portico.Security;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>
/// Part templates read the verified identity. Authentication is not on this branch yet, so these tests run the
/// dispatcher with an identity set on the request context, against a real backend.
/// </summary>
public sealed class AggregateIdentityTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"ok":true}"""));
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        { "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ], "routes": [] }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Dispatch_IdentityAndClaimPlaceholders_ReachTheBackendEncoded()
    {
        var dispatcher = Compile("/users/{identity.consumerId}?sub={identity.subject}&via={identity.method}", "{claim.tenant}");
        var identity = new GatewayIdentity
        {
            Method = "jwt",
            ConsumerId = "acme/1",
            Subject = "ada@example.com",
            Claims = new Dictionary<string, IReadOnlyList<string>> { ["tenant"] = ["blue", "green"] },
        };

        var (status, body) = await DispatchAsync(dispatcher, identity);

        Assert.Equal(200, status);
        Assert.Equal("""{"me":{"ok":true}}""", body);
        var call = _backend.LastRequest;
        Assert.Equal("/users/acme%2F1", call.Path);
        Assert.Equal("?sub=ada%40example.com&via=jwt", call.Query);
        Assert.Equal("blue", call.Header("X-Tenant"));
        Assert.Equal("203.0.113.9", call.Header("X-Forwarded-For"));
        Assert.Equal("https", call.Header("X-Forwarded-Proto"));
    }

    [Fact]
    public async Task Dispatch_ClaimMissing_400BeforeAnyBackendCall()
    {
        var dispatcher = Compile("/users/{identity.consumerId}", "{claim.tenant}");
        var before = _backend.Count;

        var (status, body) = await DispatchAsync(dispatcher, new GatewayIdentity { Method = "jwt", ConsumerId = "c1" });

        Assert.Equal(400, status);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("missing-input", problem.GetProperty("code").GetString());
        Assert.Contains("claim 'tenant'", problem.GetProperty("detail").GetString());
        Assert.Equal(before, _backend.Count);
    }

    [Fact]
    public void Compile_IdentityOnAnAnonymousRoute_IsRefused()
    {
        var errors = new List<string>();
        var result = Compile("/users/{identity.consumerId}", "x", auth: "anonymous", errors);

        Assert.Null(result);
        Assert.Contains(errors, e => e.StartsWith("aggregate.parts[0].path: part 'me':", StringComparison.Ordinal) && e.Contains("the route is anonymous", StringComparison.Ordinal));
    }

    private AggregateDispatcher Compile(string path, string tenantHeader) =>
        Compile(path, tenantHeader, "test-policy", null) ?? throw new InvalidOperationException("did not compile");

    private AggregateDispatcher? Compile(string path, string tenantHeader, string auth, List<string>? errors)
    {
        var route = new RouteDefinition
        {
            Id = "me",
            Auth = auth,
            Match = new RouteMatchDefinition { Path = "/me" },
            Aggregate = new AggregateDefinition
            {
                Parts = [new AggregatePartDefinition { Name = "me", Backend = "b", Path = path, Headers = new Dictionary<string, string> { ["X-Tenant"] = tenantHeader } }],
            },
        };
        var snapshot = _gateway.Services.GetRequiredService<RegistryRuntime>().Current;
        return _gateway.Services.GetRequiredService<AggregateCompiler>().Compile(
            route, route.Aggregate, RoutePatternFactory.Parse("/me"), snapshot.Backends, (field, message) => errors?.Add($"{field}: {message}"));
    }

    private async Task<(int Status, string Body)> DispatchAsync(AggregateDispatcher dispatcher, GatewayIdentity identity)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Scheme = "https";
        http.Request.Host = new HostString("api.example.com");
        http.Request.Path = "/me";
        http.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.9");
        var body = new MemoryStream();
        http.Response.Body = body;
        var context = new GatewayContext(
            http,
            _gateway.Services.GetRequiredService<RegistryRuntime>().Current,
            _gateway.Services.GetRequiredService<ForwardedHeadersPolicy>())
        {
            Identity = identity,
        };

        await dispatcher.DispatchAsync(context);
        return (http.Response.StatusCode, Encoding.UTF8.GetString(body.ToArray()));
    }
}
