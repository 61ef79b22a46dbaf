using Portico.Tests.Infrastructure;

namespace Portico.Tests.Proxy;

/// <summary>Headers a client sends that must not reach the backend, and the forwarding headers the gateway writes.</summary>
public sealed class HeaderHygieneTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;
    private GatewayHost _behindProxy = null!;

    private string Registry => $$"""
    {
      "backends": [ { "id": "echo", "url": "{{_backend.Url}}" } ],
      "routes": [ { "id": "all", "auth": "anonymous", "match": { "path": "/{**rest}" }, "backend": "echo" } ]
    }
    """;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync(Registry);
        // The same gateway, told that loopback (where the test client connects from) is a trusted proxy.
        _behindProxy = await GatewayHost.StartWithFileAsync(Registry, new Dictionary<string, string?>
        {
            ["Portico:ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1",
            ["Portico:ForwardedHeaders:TrustedProxies:1"] = "10.0.0.0/8",
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _behindProxy.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("X-HTTP-Method-Override", "DELETE")]
    [InlineData("X-HTTP-Method", "DELETE")]
    [InlineData("X-Method-Override", "DELETE")]
    [InlineData("Forwarded", "for=6.6.6.6;proto=https")]
    [InlineData("X-Real-IP", "6.6.6.6")]
    [InlineData("x-ms-invocation-id", "forged")]
    [InlineData("X-ARR-ClientCert", "MIIforged")]
    [InlineData("X-ARR-LOG-ID", "forged")]
    [InlineData("DISGUISED-HOST", "evil.example")]
    [InlineData("X-Original-URL", "/admin")]
    [InlineData("X-Original-Host", "evil.example")]
    [InlineData("X-WAWS-Unencoded-URL", "/admin")]
    [InlineData("X-MS-CLIENT-PRINCIPAL-NAME", "admin@example.com")]
    [InlineData("X-MS-TOKEN-AAD-ACCESS-TOKEN", "forged")]
    [InlineData("X-Portico-Consumer", "admin")]
    [InlineData("x-portico-scopes", "admin")]
    [InlineData("Proxy-Connection", "keep-alive")]
    [InlineData("Keep-Alive", "timeout=5")]
    // URL and host overrides that frameworks honour (Symfony, Zend/Laminas, IIS URL Rewrite, Spring, ASP.NET Core).
    [InlineData("X-Rewrite-URL", "/admin")]
    [InlineData("x-rewrite-url", "/admin")]
    [InlineData("X-Override-URL", "/admin")]
    [InlineData("X-HTTP-Destinationurl", "http://evil.example/")]
    [InlineData("X-Host", "evil.example")]
    [InlineData("X-HTTP-Host-Override", "evil.example")]
    [InlineData("X-Forwarded-Server", "evil.example")]
    [InlineData("X-Forwarded-Prefix", "/admin")]
    [InlineData("X-Original-For", "6.6.6.6")]
    // Client addresses that CDNs and load balancers set and frameworks trust.
    [InlineData("X-Client-IP", "6.6.6.6")]
    [InlineData("True-Client-IP", "6.6.6.6")]
    [InlineData("CF-Connecting-IP", "6.6.6.6")]
    [InlineData("CF-Connecting-IPv6", "::6")]
    [InlineData("Fastly-Client-IP", "6.6.6.6")]
    [InlineData("X-Cluster-Client-IP", "6.6.6.6")]
    [InlineData("X-Originating-IP", "6.6.6.6")]
    [InlineData("X-Remote-IP", "6.6.6.6")]
    [InlineData("X-Remote-Addr", "6.6.6.6")]
    [InlineData("X-ProxyUser-Ip", "6.6.6.6")]
    [InlineData("X-Azure-ClientIP", "6.6.6.6")]
    [InlineData("X-Azure-SocketIP", "6.6.6.6")]
    [InlineData("X-Azure-FDID", "00000000-0000-0000-0000-000000000000")]
    // Scheme and TLS.
    [InlineData("Front-End-Https", "on")]
    [InlineData("X-Url-Scheme", "https")]
    [InlineData("X-Scheme", "https")]
    [InlineData("X-Forwarded-Ssl", "on")]
    [InlineData("X-ARR-SSL", "on")]
    [InlineData("X-AppService-Proto", "https")]
    // Client certificates forwarded by a TLS-terminating proxy (ASP.NET Core's certificate forwarding reads X-Client-Cert).
    [InlineData("X-Client-Cert", "MIIforged")]
    [InlineData("X-SSL-Client-Cert", "MIIforged")]
    [InlineData("X-SSL-Client-Verify", "SUCCESS")]
    [InlineData("SSL-Client-Cert", "MIIforged")]
    [InlineData("X-Forwarded-Client-Cert", "Hash=forged")]
    // Identities set by authenticating front ends: App Service Easy Auth, AWS ALB, Google IAP, Cloudflare Access,
    // oauth2-proxy, Kubernetes' front proxy, Grafana's auth proxy.
    [InlineData("X-MS-CLIENT-PRINCIPAL", "eyJmb3JnZWQiOnRydWV9")]
    [InlineData("X-MS-CLIENT-PRINCIPAL-ID", "forged")]
    [InlineData("X-MS-CLIENT-PRINCIPAL-IDP", "aad")]
    [InlineData("X-Amzn-Oidc-Identity", "forged")]
    [InlineData("X-Amzn-Oidc-Data", "forged")]
    [InlineData("X-Goog-Authenticated-User-Email", "accounts.google.com:admin@example.com")]
    [InlineData("X-Goog-IAP-JWT-Assertion", "forged")]
    [InlineData("Cf-Access-Jwt-Assertion", "forged")]
    [InlineData("Cf-Access-Authenticated-User-Email", "admin@example.com")]
    [InlineData("X-Auth-Request-User", "admin")]
    [InlineData("X-Auth-Request-Email", "admin@example.com")]
    [InlineData("X-Forwarded-User", "admin")]
    [InlineData("X-Forwarded-Email", "admin@example.com")]
    [InlineData("X-Remote-User", "admin")]
    [InlineData("Remote-User", "admin")]
    [InlineData("X-Remote-Group", "system:masters")]
    [InlineData("X-Remote-Extra-Scopes", "admin")]
    [InlineData("X-WEBAUTH-USER", "admin")]
    // Service-mesh and platform control headers.
    [InlineData("X-Envoy-Upstream-Rq-Timeout-Ms", "1")]
    [InlineData("X-Envoy-Internal", "true")]
    public async Task Forward_SpoofableOrPlatformHeader_IsNotForwarded(string name, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/h");
        request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("X-Kept", "yes");
        using var response = await _gateway.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.Null(_backend.LastRequest.Header(name));
        Assert.Equal("yes", _backend.LastRequest.Header("X-Kept"));
    }

    [Theory]
    [InlineData("X_Forwarded_For", "6.6.6.6")]
    [InlineData("x_forwarded_host", "evil.example")]
    [InlineData("X-Forwarded_Proto", "https")]
    [InlineData("X_Real_IP", "6.6.6.6")]
    [InlineData("X_Portico_Consumer", "admin")]
    [InlineData("X_MS_CLIENT_PRINCIPAL_NAME", "admin@example.com")]
    [InlineData("X_Original_URL", "/admin")]
    [InlineData("X_HTTP_Method_Override", "DELETE")]
    [InlineData("True_Client_IP", "6.6.6.6")]
    [InlineData("Remote_User", "admin")]
    [InlineData("X_SSL_Client_Cert", "MIIforged")]
    [InlineData("Proxy_Authorization", "Basic Zm9vOmJhcg==")]
    public async Task Forward_SpoofableHeaderSpelledWithUnderscores_IsNotForwarded(string name, string value)
    {
        // CGI, PHP, WSGI and Rack backends read X_Forwarded_For as HTTP_X_FORWARDED_FOR, the trusted header.
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET /u HTTP/1.1\n{name}: {value}\nX_Kept_Too: yes\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Null(_backend.LastRequest.Header(name));
        Assert.Equal("yes", _backend.LastRequest.Header("X_Kept_Too"));
    }

    [Fact]
    public async Task Forward_HeadersNamedInConnection_AreNotForwarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/c");
        request.Headers.TryAddWithoutValidation("Connection", "X-Secret-Hop, X-Other-Hop");
        request.Headers.TryAddWithoutValidation("X-Secret-Hop", "1");
        request.Headers.TryAddWithoutValidation("X-Other-Hop", "2");
        request.Headers.TryAddWithoutValidation("X-End-To-End", "3");
        using var response = await _gateway.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.Null(_backend.LastRequest.Header("X-Secret-Hop"));
        Assert.Null(_backend.LastRequest.Header("X-Other-Hop"));
        Assert.Equal("3", _backend.LastRequest.Header("X-End-To-End"));
    }

    [Theory]
    [InlineData("Connection: close, X-Secret")]
    [InlineData("Connection: keep-alive, X-Secret")]
    [InlineData("Connection: X-Secret, close")]
    [InlineData("Connection: Upgrade, X-Secret\nUpgrade: foo/1")]
    [InlineData("Connection: close\nConnection: X-Secret")]
    [InlineData("Connection: X-Secret\nConnection: keep-alive")]
    [InlineData("Connection: X-Secret\nConnection: X-Other-Hop")]
    [InlineData("Connection:   ,  x-secret  ,, close,")]
    [InlineData("Connection: CLOSE,\tX-SECRET")]
    [InlineData("Connection: keep-alive,X-Secret,X-Other-Hop")]
    public async Task Forward_HeadersNamedInConnectionInAnyForm_AreNotForwarded(string connection)
    {
        // Raw bytes: HttpClient would rewrite the Connection header. Without "close" the connection stays open.
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET /c HTTP/1.1\n{connection}\nX-Secret: 1\nX-Other-Hop: 2\nX-End-To-End: 3");

        Assert.Equal(200, response.Status);
        var seen = _backend.LastRequest;
        Assert.Null(seen.Header("X-Secret"));
        Assert.Equal(connection.Contains("X-Other-Hop", StringComparison.Ordinal) ? null : "2", seen.Header("X-Other-Hop"));
        Assert.Equal("3", seen.Header("X-End-To-End"));
        Assert.Null(seen.Header("Upgrade"));
    }

    [Fact]
    public async Task Forward_KeepAliveConnectionNamingHeaders_EachRequestStripsOnlyItsOwn()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = await RawHttp.ConnectAsync(_gateway.Url, cancel.Token);
        var stream = client.GetStream();
        var host = new Uri(_gateway.Url).Authority;

        // The same connection: a request naming nothing more than keep-alive (whose line the gateway does not keep),
        // one naming X-Secret (the first line kept on this connection), one naming nothing more, the second one again.
        foreach (var (connection, secretForwarded) in new[] { ("keep-alive", true), ("keep-alive, X-Secret", false), ("keep-alive", true), ("keep-alive, X-Secret", false) })
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /k HTTP/1.1\r\nHost: {host}\r\nConnection: {connection}\r\nX-Secret: 1\r\n\r\n"), cancel.Token);
            var response = await RawHttp.ReadResponseAsync(stream, cancel.Token);
            Assert.Equal(200, response.Status);
            Assert.Equal(secretForwarded ? "1" : null, _backend.LastRequest.Header("X-Secret"));
        }
    }

    [Fact]
    public async Task Forward_RequestWrittenInPieces_NamedHeaderIsStillNotForwarded()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = await RawHttp.ConnectAsync(_gateway.Url, cancel.Token);
        client.NoDelay = true;
        var stream = client.GetStream();
        var host = new Uri(_gateway.Url).Authority;

        // Three writes, each its own segment: the server parses whatever lines have arrived with each read, so the
        // Connection line may be decoded in an earlier read than the one that completes the request. (That the record
        // lasts across the connection's reads and requests is pinned without timing by the keep-alive test above.)
        foreach (var piece in new[] { $"GET /p HTTP/1.1\r\nHost: {host}\r\n", "Connection: keep-alive, X-Secret\r\n", "X-Secret: 1\r\nX-Kept: yes\r\n\r\n" })
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(piece), cancel.Token);
            await stream.FlushAsync(cancel.Token);
        }

        var response = await RawHttp.ReadResponseAsync(stream, cancel.Token);

        Assert.Equal(200, response.Status);
        Assert.Null(_backend.LastRequest.Header("X-Secret"));
        Assert.Equal("yes", _backend.LastRequest.Header("X-Kept"));
    }

    [Theory]
    [InlineData("Connection: close;X-Secret")]
    [InlineData("Connection: close, X Secret")]
    [InlineData("Connection: \"X-Secret\"")]
    public async Task Forward_ConnectionThatIsNotATokenList_Answers400(string connection)
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET /c HTTP/1.1\n{connection}\nX-Secret: 1");

        Assert.Equal(400, response.Status);
        response.Problem("invalid-header");
    }

    [Theory]
    [InlineData("Proxy", "http://evil.example:8080")] // httpoxy: CGI-style backends turn it into HTTP_PROXY
    [InlineData("Proxy-Authorization", "Basic Zm9vOmJhcg==")]
    [InlineData("Proxy-Foo", "1")]
    [InlineData("TE", "trailers")]
    [InlineData("Upgrade", "h2c")]
    [InlineData("HTTP2-Settings", "AAMAAABkAAQAAP__")]
    [InlineData("Keep-Alive", "timeout=5")]
    [InlineData("Close", "1")]
    public async Task Forward_HopByHopHeader_IsNotForwarded(string name, string value)
    {
        var response = await RawHttp.SendAsync(_gateway.Url, $"GET /h HTTP/1.1\n{name}: {value}\nX-Kept: yes\nConnection: close");

        Assert.Equal(200, response.Status);
        Assert.Null(_backend.LastRequest.Header(name));
        Assert.Equal("yes", _backend.LastRequest.Header("X-Kept"));
    }

    [Fact]
    public async Task Forward_UntrustedPeerSpoofsForwardedHeaders_GatewayWritesTheRealOnes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/f");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        using var response = await _gateway.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var seen = _backend.LastRequest;
        Assert.Equal("127.0.0.1", seen.Header("X-Forwarded-For"));
        Assert.Equal("http", seen.Header("X-Forwarded-Proto"));
        Assert.Equal(new Uri(_gateway.Url).Authority, seen.Header("X-Forwarded-Host"));
    }

    [Fact]
    public async Task Forward_TrustedProxyChain_KeepsOnlyVerifiedHops()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/f");
        // A client forged 6.6.6.6; the real client 203.0.113.9 came through a trusted 10.1.2.3 hop.
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6, 203.0.113.9:51234, 10.1.2.3");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http, https, https");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "api.example.com");
        using var response = await _behindProxy.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var seen = _backend.LastRequest;
        Assert.Equal("203.0.113.9, 10.1.2.3, 127.0.0.1", seen.Header("X-Forwarded-For"));
        Assert.Equal("https", seen.Header("X-Forwarded-Proto"));
        Assert.Equal("api.example.com", seen.Header("X-Forwarded-Host"));
    }

    [Fact]
    public async Task Forward_SamePeerWithAnotherHostOrGateway_EachRequestGetsItsOwnForwardingHeaders()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = await RawHttp.ConnectAsync(_gateway.Url, cancel.Token);
        var stream = client.GetStream();

        // One keep-alive connection (one peer) asking for another host each time, and between its requests one from the
        // same peer to the gateway that trusts loopback: the client resolved for one request is never another's.
        foreach (var host in new[] { "a.example", "b.example", "a.example" })
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /p HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n"), cancel.Token);
            var response = await RawHttp.ReadResponseAsync(stream, cancel.Token);
            Assert.Equal(200, response.Status);
            Assert.Equal(host, _backend.LastRequest.Header("X-Forwarded-Host"));
            Assert.Equal("127.0.0.1", _backend.LastRequest.Header("X-Forwarded-For"));

            using var viaProxy = new HttpRequestMessage(HttpMethod.Get, "/p");
            viaProxy.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
            using var proxied = await _behindProxy.Client.SendAsync(viaProxy, cancel.Token);
            proxied.EnsureSuccessStatusCode();
            Assert.Equal("203.0.113.9, 127.0.0.1", _backend.LastRequest.Header("X-Forwarded-For"));
        }
    }

    [Fact]
    public async Task Forward_HostHeader_IsTheBackendsNotTheClients()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/host");
        request.Headers.Host = "public.example.com";
        using var response = await _gateway.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.Equal(new Uri(_backend.Url).Authority, _backend.LastRequest.Header("Host"));
        Assert.Equal("public.example.com", _backend.LastRequest.Header("X-Forwarded-Host"));
    }
}
