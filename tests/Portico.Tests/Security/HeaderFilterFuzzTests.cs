using CsCheck;
using Portico.Security;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Security;

/// <summary>
/// Fuzzing of the request header filters (issue 17): whatever mix of hop-by-hop, spoofable and ordinary headers a
/// client sends, in any case, with any <c>Connection</c> lines naming any of them, no hop-by-hop header, no header a
/// <c>Connection</c> line names and no header <see cref="HeaderHygiene"/> blocks reaches the backend with the client's
/// value, every other header does, and the gateway answers normally.
/// </summary>
public sealed class HeaderFilterFuzzTests : IAsyncLifetime
{
    // RFC 9110 §7.6.1 and the connection options RFC 9112 defines; Trailer is an end-to-end field (RFC 9110 §6.6.2).
    private static readonly string[] HopByHop = ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade", "Transfer-Encoding"];

    private static readonly string[] Names =
    [
        "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Proxy-Authorization", "Proxy-Authenticate",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded", "X-Real-IP", "X-Rewrite-URL", "X-Original-URL",
        "X-HTTP-Method-Override", "X-Portico-Consumer", "True-Client-IP", "X-ARR-SSL", "X-Envoy-Internal", "Proxy", "X-Client-Cert",
        "X-A", "X-B", "X-C", "X-Custom-Trace", "Accept-Language", "X-Api-Version",
    ];

    private static readonly string[] Options = ["close", "keep-alive", "upgrade", "", " ", "X-A", "X-B", "x-c", "X-Custom-Trace", "Accept-Language", "X-Forwarded-For", "TE", "Keep-Alive"];

    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/{**rest}" }, "backend": "b" } ]
        }
        """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static string RandomCase(string name, int seed) =>
        string.Concat(name.Select((c, i) => ((seed >> (i % 30)) & 1) == 1 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)));

    [Fact]
    public async Task Forward_AnyHeaderMix_NoListedHopByHopOrBlockedHeaderLeaks()
    {
        var header = Gen.Select(Gen.OneOf(Names), Gen.Int);
        var connection = Gen.OneOf(Options).Array[1, 4].Select(options => string.Join(Gen.Bool.Single() ? "," : ", ", options));
        var forwardedCount = 0;
        await Gen.Select(header.Array[1, 8], connection.Array[0, 3]).SampleAsync(async input =>
        {
            var (headers, connectionLines) = input;
            var marker = Guid.NewGuid().ToString("N")[..12];
            var lines = headers.Select((h, i) => (Name: RandomCase(h.Item1, h.Item2), Value: $"v{i}-{marker}")).ToList();
            var head = "GET /fuzz HTTP/1.1\n"
                + string.Concat(lines.Select(l => $"{l.Name}: {l.Value}\n"))
                + string.Concat(connectionLines.Select(c => $"Connection: {c}\n"))
                + "Connection: close";
            var before = _backend.Count;
            var response = await RawHttp.SendAsync(_gateway.Url, head);

            Assert.Equal(200, response.Status);
            Assert.Equal(before + 1, _backend.Count);
            var received = _backend.LastRequest.Headers;
            var listed = connectionLines.SelectMany(c => c.Split(',')).Select(o => o.Trim()).Where(o => o.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in lines)
            {
                var leaked = received.Where(r => r.Value.Contains(value, StringComparison.Ordinal)).Select(r => r.Key).ToList();
                var mustDrop = listed.Contains(name) || HopByHop.Contains(name, StringComparer.OrdinalIgnoreCase) || HeaderHygiene.IsBlocked(name, "X-Portico-");
                if (mustDrop)
                {
                    Assert.True(leaked.Count == 0, $"{name} reached the backend as {string.Join(", ", leaked)}; Connection: {string.Join(" | ", connectionLines)}");
                }
                else
                {
                    Assert.True(received.TryGetValue(name, out var forwarded) && forwarded.Contains(value, StringComparison.Ordinal), $"{name} was not forwarded");
                    forwardedCount++;
                }
            }
        }, iter: FuzzBudget.Iterations(300), time: FuzzBudget.Seconds, threads: 1);

        Assert.True(forwardedCount > 0, "some headers must be forwarded, or the property says nothing");
    }
}
