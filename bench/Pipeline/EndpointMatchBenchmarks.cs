using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Portico.Admin;
using Portico.Pipeline;

namespace Portico.Bench.Pipeline;

/// <summary>
/// What Portico's own-endpoint matcher costs per request: every request passes through it (an ordinary path
/// costs one prefix comparison), and health probes hit it constantly. Each case should allocate nothing. The table
/// holds the paths the gateway registers today.
/// </summary>
[MemoryDiagnoser]
public class EndpointMatchBenchmarks
{
    private readonly PorticoEndpointTable _table = new("/_portico",
    [
        new Endpoint("/health/live", PorticoEndpointAccess.Public),
        new Endpoint("/health/ready", PorticoEndpointAccess.Public),
        new Endpoint("/.well-known/jwks.json", PorticoEndpointAccess.Public),
        new Endpoint("/admin/registry", PorticoEndpointAccess.Admin),
    ]);

    // The matching of the stage before the admin surface: StartsWithSegments, then a lookup of the rest as a string.
    private readonly PathString _prefix = new("/_portico");
    private readonly FrozenDictionary<string, int> _previous = new Dictionary<string, int>
    {
        ["/health/live"] = 1, ["/health/ready"] = 2, ["/.well-known/jwks.json"] = 3,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    [Benchmark]
    public int PreviousOrdinaryRequest() => PreviousMatch(new PathString("/api/users/42"));

    [Benchmark]
    public int PreviousHealthProbe() => PreviousMatch(new PathString("/_portico/health/ready"));

    [Benchmark(Baseline = true)]
    public int OrdinaryRequest() => (int)_table.Match("/api/users/42").Kind;

    [Benchmark]
    public int HealthProbe() => (int)_table.Match("/_portico/health/ready").Kind;

    [Benchmark]
    public int AdminEndpoint() => (int)_table.Match("/_portico/admin/registry").Kind;

    [Benchmark]
    public int UnknownUnderPrefix() => (int)_table.Match("/_portico/admin/nothing/here").Kind;

    private int PreviousMatch(PathString path) =>
        !path.StartsWithSegments(_prefix, StringComparison.OrdinalIgnoreCase, out var rest) ? 0
        : _previous.TryGetValue(rest.Value ?? "/", out var found) ? found : -1;

    private sealed class Endpoint(string path, PorticoEndpointAccess access) : IPorticoEndpoint
    {
        public string Path => path;

        public PorticoEndpointAccess Access => access;

        public Task HandleAsync(GatewayContext context) => Task.CompletedTask;
    }
}
