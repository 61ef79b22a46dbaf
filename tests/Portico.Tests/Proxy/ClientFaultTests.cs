using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Portico.Tests.Infrastructure;
using Portico.Tests.Resilience;

namespace Portico.Tests.Proxy;

/// <summary>
/// A request the gateway cannot forward because of what the client sent is the client's fault: it gets a 4xx (or is
/// forwarded correctly when what it sent is legal), and it never counts against the backend's circuit, retries or
/// fallback. Each test sends more such requests than it takes to open the backend's circuit (4 failures of 4 calls),
/// then proves the circuit stayed closed: a valid request on another route to the same backend gets 200.
/// </summary>
public sealed class ClientFaultTests : IAsyncLifetime
{
    /// <summary>More than the breaker's minimum throughput, all of them would-be failures.</summary>
    private const int Attempts = 6;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private TestBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(recordBody: true);
        _gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{_backend.Url}}", "resilience": {
            "circuitBreaker": { "failureRatio": 0.5, "minimumThroughput": 4, "samplingDuration": "30s", "breakDuration": "30s" } } } ],
          "routes": [
            { "id": "anon",  "auth": "anonymous", "match": { "path": "/anon/{**rest}" },  "backend": "b",
              "resilience": { "timeout": "1s", "retry": { "maxAttempts": 3, "nonIdempotent": true } } },
            { "id": "other", "auth": "anonymous", "match": { "path": "/other/{**rest}" }, "backend": "b" },
            { "id": "slow",  "auth": "anonymous", "match": { "path": "/slow/{**rest}" },  "backend": "b", "resilience": { "timeout": "1s" } },
            { "id": "small", "auth": "anonymous", "match": { "path": "/small/{**rest}" }, "backend": "b", "maxRequestBodySize": 100 },
            { "id": "fb",    "auth": "anonymous", "match": { "path": "/fb/{**rest}" },    "backend": "b",
              "resilience": { "fallback": { "static": { "status": 200, "body": "fallback" } } } },
            { "id": "agg",   "auth": "anonymous", "match": { "path": "/agg" },
              "aggregate": { "parts": [ { "name": "echo", "backend": "b", "path": "/echo", "headers": { "X-Name": "{header.x-name}" } } ] } }
          ]
        }
        """, services: services => services.AddSingleton<TimeProvider>(_time));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Forward_NonAsciiHeaderValue_ForwardedByteForByteNotCountedAgainstBackend()
    {
        // RFC 9110 §5.5: octets above 0x7F are obs-text, legal in a field value; the client's UTF-8 goes through as is.
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, "GET /anon/h HTTP/1.1\nX-Bad: café ünïcødé\nConnection: close");
            Assert.Equal(200, response.Status);
        }

        Assert.Equal(Attempts, _backend.Count);
        Assert.Equal("café ünïcødé", _backend.LastRequest.Header("X-Bad"));
        await AssertBackendHealthyAsync();
    }

    [Theory]
    [InlineData("Content-Type", "text/plain; charset=café")]
    [InlineData("Content-Disposition", "attachment; filename=\"café.txt\"")]
    [InlineData("Content-Language", "café")]
    [InlineData("Content-Location", "/café")]
    [InlineData("Cookie", "a=café")]
    [InlineData("Authorization", "Bearer café")]
    [InlineData("Range", "bytes=café")]
    [InlineData("If-Modified-Since", "café")]
    [InlineData("If-None-Match", "\"café\"")]
    [InlineData("Referer", "http://café.example/")]
    [InlineData("User-Agent", "café/1.0")]
    [InlineData("Accept", "café/x")]
    [InlineData("Cache-Control", "café")]
    [InlineData("Via", "1.1 café")]
    [InlineData("Expect", "café")]
    public async Task Forward_NonAsciiValueOfAHeaderTheClientLibraryTypes_ForwardedAsSentNotCounted(string name, string value)
    {
        // The outgoing client parses these headers into typed values; a value it cannot parse must still go through
        // as sent (or be refused as the client's), never fail the call as if the backend were down.
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, $"POST /anon/h HTTP/1.1\n{name}: {value}\nContent-Length: 1\nConnection: close", "a"u8.ToArray());
            Assert.Equal(200, response.Status);
            Assert.Equal(value, _backend.LastRequest.Header(name));
        }

        await AssertBackendHealthyAsync();
    }

    [Theory]
    [InlineData("X-Bad: a\u0001b")]
    [InlineData("X-Bad: a\u007Fb")]
    [InlineData("X-Bad: a\u000Bb")]
    [InlineData("X-Bad: \u001B[31mred")]
    [InlineData("X{Bad}: 1")]
    [InlineData("X Bad: 1")]
    public async Task Forward_HeaderThatIsNotAValidField_Answers400BackendNotCalled(string header)
    {
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, $"GET /anon/h HTTP/1.1\n{header}\nConnection: close");
            Assert.Equal(400, response.Status);
            if (response.Header("Content-Type") is not null)
            {
                // Refused by the gateway (Kestrel refuses some forms itself, before any route, without a body).
                var problem = response.Problem("invalid-header");
                Assert.DoesNotContain("\u0001", problem.ToString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(0, _backend.Count);
        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Forward_ClientAbortsMidUpload_NotCountedNotRetried()
    {
        for (int i = 0; i < Attempts; i++)
        {
            // A declared length larger than the retry buffer, so the body streams to the backend as it arrives.
            var head = Encoding.ASCII.GetBytes($"POST /anon/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n");
            await RawHttp.SendAndCloseAsync(_gateway.Url, [.. head, .. new byte[5000]]);
        }

        await WaitForAccessLogAsync(Attempts);
        Assert.True(_backend.Count <= Attempts, $"{_backend.Count} backend calls for {Attempts} requests: a client abort was retried");
        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Forward_ClientEndsBodyBeforeItsLength_NotCounted()
    {
        var clients = new List<System.Net.Sockets.TcpClient>();
        for (int i = 0; i < Attempts; i++)
        {
            var client = await RawHttp.ConnectAsync(_gateway.Url, CancellationToken.None);
            clients.Add(client);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /anon/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n"));
            await stream.WriteAsync(new byte[5000]);
            client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send); // the body ends 195000 bytes early
        }

        await WaitForAccessLogAsync(Attempts);
        clients.ForEach(c => c.Dispose());
        Assert.True(_backend.Count <= Attempts, $"{_backend.Count} backend calls for {Attempts} requests: a broken body was retried");
        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Forward_ClientAbortsMidUploadOfBufferedBody_BackendNeverCalled()
    {
        for (int i = 0; i < Attempts; i++)
        {
            // A small declared length: read whole before the first attempt (so it could be retried), and cut short.
            var head = Encoding.ASCII.GetBytes("PUT /anon/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
            await RawHttp.SendAndCloseAsync(_gateway.Url, [.. head, .. new byte[10]]);
        }

        await WaitForAccessLogAsync(Attempts);
        Assert.Equal(0, _backend.Count);
        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Forward_ChunkedBodyOverRouteLimit_Answers413NotCounted()
    {
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, "POST /small/x HTTP/1.1\nTransfer-Encoding: chunked\nConnection: close", Chunked(new byte[1024]));
            Assert.Equal(413, response.Status);
            var problem = response.Problem("payload-too-large");
            Assert.False(problem.TryGetProperty("detail", out var detail) && detail.GetString()!.Contains("100", StringComparison.Ordinal));
        }

        await AssertBackendHealthyAsync();
    }

    [Theory]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloXX0\r\n\r\n")]
    [InlineData("FFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n")]
    public async Task Forward_MalformedChunkedBody_Answers400NotCounted(string chunks)
    {
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, "POST /anon/x HTTP/1.1\nTransfer-Encoding: chunked\nConnection: close", Encoding.ASCII.GetBytes(chunks));
            Assert.Equal(400, response.Status);
            if (response.Header("Content-Type") is not null)
            {
                response.Problem("bad-request");
            }
        }

        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Forward_MalformedBodyOnRouteWithFallback_Answers400NotTheFallback()
    {
        var response = await RawHttp.SendAsync(_gateway.Url, "POST /fb/x HTTP/1.1\nTransfer-Encoding: chunked\nConnection: close", "zz\r\nhello\r\n0\r\n\r\n"u8.ToArray());

        Assert.Equal(400, response.Status);
        response.Problem("bad-request");
        Assert.DoesNotContain("fallback", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_ClientUploadsSlowerThanRouteTimeout_Answers408NotCounted()
    {
        for (int i = 0; i < Attempts; i++)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var client = await RawHttp.ConnectAsync(_gateway.Url, cancel.Token);
            var stream = client.GetStream();
            var calls = _backend.Count;
            await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /slow/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"), cancel.Token);
            // The backend has the request headers and waits for the body, as the gateway does: then the route's
            // 1 s timeout runs out while the gateway is still waiting for the client.
            Assert.True(await Eventually.TrueAsync(() => _backend.Count > calls, TimeSpan.FromSeconds(10)));
            _time.Advance(TimeSpan.FromSeconds(2));

            var response = await RawHttp.ReadResponseAsync(stream, cancel.Token);
            Assert.Equal(408, response.Status);
            response.Problem("request-timeout");
        }

        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Aggregate_NonAsciiClientHeaderInPart_SentAsIsNotCounted()
    {
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, "GET /agg HTTP/1.1\nX-Name: Zoë\nConnection: close");
            Assert.Equal(200, response.Status);
        }

        Assert.Equal("Zoë", _backend.LastRequest.Header("X-Name"));
        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Aggregate_ControlCharacterInClientHeaderForPart_Answers400BackendNotCalled()
    {
        var response = await RawHttp.SendAsync(_gateway.Url, "GET /agg HTTP/1.1\nX-Name: a\u0007b\nConnection: close");

        Assert.Equal(400, response.Status);
        response.Problem("bad-request");
        Assert.Equal(0, _backend.Count);
    }

    [Theory]
    [InlineData("Content-Length: 3\nTransfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n", 200)]
    [InlineData("Transfer-Encoding: chunked, gzip", "5\r\nhello\r\n0\r\n\r\n", 400)]
    [InlineData("Transfer-Encoding: gzip, chunked", "5\r\nhello\r\n0\r\n\r\n", 501)]
    [InlineData("Transfer-Encoding: chunked\nTransfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n", 501)]
    [InlineData("Content-Length: 5\nContent-Length: 6", "hello!", 400)]
    [InlineData("Content-Length: 5, 5", "hello", 400)]
    [InlineData("Content-Length: -5", "hello", 400)]
    public async Task Forward_AmbiguousFraming_RefusedOrForwardedUnambiguouslyNotCounted(string framing, string body, int expected)
    {
        for (int i = 0; i < Attempts; i++)
        {
            var calls = _backend.Count;
            var response = await RawHttp.SendAsync(_gateway.Url, $"POST /anon/f HTTP/1.1\n{framing}\nConnection: close", Encoding.ASCII.GetBytes(body));
            Assert.Equal(expected, response.Status);
            if (response.Status == 200)
            {
                // Forwarded: then with one framing only (RFC 9112 §6.3: Transfer-Encoding wins, Content-Length dropped),
                // and the body as that framing delimits it.
                var seen = _backend.LastRequest;
                Assert.Equal(calls + 1, _backend.Count);
                Assert.Null(seen.Header("Content-Length"));
                Assert.Equal("chunked", seen.Header("Transfer-Encoding"));
                Assert.Null(seen.Header("X-Content-Length"));
                Assert.Equal(5, seen.BodyLength);
            }
            else
            {
                // RFC 9112 §6.1: a transfer coding other than chunked is not understood here (501); the rest is malformed.
                Assert.Equal(calls, _backend.Count);
            }
        }

        await AssertBackendHealthyAsync();
    }

    [Fact]
    public async Task Forward_TransferEncodingInHttp10_Answers400NotCounted()
    {
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing (HTTP/1.0 has no chunked coding,
        // so a front end before the gateway may have read the body another way).
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, "POST /anon/f HTTP/1.0\nTransfer-Encoding: chunked", Encoding.ASCII.GetBytes("5\r\nhello\r\n0\r\n\r\n"));
            Assert.Equal(400, response.Status);
            response.Problem("invalid-header");
        }

        Assert.Equal(0, _backend.Count);
        await AssertBackendHealthyAsync();
    }

    [Theory]
    [InlineData("0\r\nX-T: caf\u00E9\r\n\r\n")]
    [InlineData("0\r\nX-T: a\u0001b\r\n\r\n")]
    [InlineData("0\r\nX-Original-URL: /admin\r\nConnection: x\r\n\r\n")]
    public async Task Forward_RequestTrailers_NeverReachTheBackendNotCounted(string lastChunk)
    {
        // The forwarder sends no request trailers upstream: whatever a client puts there neither reaches the backend
        // nor fails the call.
        for (int i = 0; i < Attempts; i++)
        {
            var response = await RawHttp.SendAsync(_gateway.Url, "POST /anon/t HTTP/1.1\nTransfer-Encoding: chunked\nConnection: close", Encoding.UTF8.GetBytes("5\r\nhello\r\n" + lastChunk));
            Assert.Equal(200, response.Status);
            Assert.Null(_backend.LastRequest.Header("X-T"));
            Assert.Null(_backend.LastRequest.Header("X-Original-URL"));
            Assert.Equal(5, _backend.LastRequest.BodyLength);
        }

        await AssertBackendHealthyAsync();
    }

    /// <summary>The backend's circuit is closed and another route to it answers 200.</summary>
    private async Task AssertBackendHealthyAsync()
    {
        Assert.Equal(CircuitState.Closed, _gateway.Services.Backend("b").CircuitState);
        using var response = await _gateway.Client.GetAsync("/other/ok");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Waits until the gateway has finished <paramref name="count"/> requests (one access-log event each).</summary>
    private async Task WaitForAccessLogAsync(int count) =>
        Assert.True(
            await Eventually.TrueAsync(() => _gateway.Logs.Entries.Count(e => e.Category == "Portico.AccessLog") >= count, TimeSpan.FromSeconds(20)),
            $"the gateway finished {_gateway.Logs.Entries.Count(e => e.Category == "Portico.AccessLog")} of {count} requests");

    private static byte[] Chunked(byte[] body) =>
        [.. Encoding.ASCII.GetBytes($"{body.Length:x}\r\n"), .. body, .. "\r\n0\r\n\r\n"u8.ToArray()];
}
