using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>
/// Failure semantics of composite routes: optional parts give partial answers, required parts give problems that name
/// them, deadlines and part timeouts (on a fake clock), size limits, and requests refused before any backend call.
/// </summary>
public sealed class AggregateFailureTests
{
    [Fact]
    public async Task Aggregate_OptionalPartFails_Partial200WithMarkerAndHeader()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        await using var broken = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"error":"boom"}""", 500));
        await using var gateway = await StartAsync(good, broken, """
            { "name": "profile", "backend": "good", "path": "/p" },
            { "name": "recommendations", "backend": "other", "path": "/r", "optional": true },
            { "name": "orders", "backend": "good", "path": "/o" }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("X-Portico-Partial")));
        Assert.Equal(
            """{"profile":{"id":"42"},"orders":{"id":"42"},"_portico":{"partial":true,"failed":["recommendations"]}}""" + "\n",
            await response.Content.ReadAsStringAsync());
        var log = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 50);
        Assert.Contains("recommendations", log.Message);
        Assert.Contains("http-error", log.Message);
    }

    [Theory]
    [InlineData("""{"items":["\ud800"]}""")] // an escape that leaves a surrogate unpaired
    [InlineData("{\"items\":[\"\u00FF\"]}")] // U+00FF goes as the byte 0xFF: not UTF-8
    public async Task Aggregate_PartAnswerNotUnicode_PartFailsAndFallbackServed(string answer)
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        await using var broken = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(System.Text.Encoding.Latin1.GetBytes(answer));
        });
        await using var gateway = await StartAsync(good, broken, """
            { "name": "recommendations", "backend": "other", "path": "/r", "optional": true, "fallback": { "items": [] } },
            { "name": "profile", "backend": "good", "path": "/p" }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"recommendations":{"items":[]},"profile":{"id":"42"},"_portico":{"partial":true,"failed":["recommendations"]}}""" + "\n",
            await response.Content.ReadAsStringAsync());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("not valid JSON: it is not UTF-8 text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_OptionalPartFailsWithFallback_FallbackInPlaceAndStillMarkedPartial()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        await using var broken = await TestBackend.StartAsync(JsonHandlers.Fixed("not json at all", 200, "application/json"));
        await using var gateway = await StartAsync(good, broken, """
            { "name": "recommendations", "backend": "other", "path": "/r", "optional": true, "fallback": { "items": [] }, "fields": ["never-applied"] },
            { "name": "profile", "backend": "good", "path": "/p" }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Portico-Partial"));
        Assert.Equal(
            """{"recommendations":{"items":[]},"profile":{"id":"42"},"_portico":{"partial":true,"failed":["recommendations"]}}""" + "\n",
            await response.Content.ReadAsStringAsync());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_RequiredPartFails_502NamingThePartWithoutBackendDetailAndOthersStopped()
    {
        var clock = new TestClock();
        var slowArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await TestBackend.StartAsync(async context =>
        {
            slowArrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            finally
            {
                slowAborted.TrySetResult();
            }
        });
        await using var broken = await TestBackend.StartAsync(async context =>
        {
            await slowArrived.Task; // fail only once the slow part is in flight, so stopping it is observable
            await JsonHandlers.WriteAsync(context, """{"error":"database 10.1.2.3 down"}""", 503);
        });
        await using var gateway = await StartAsync(slow, broken, """
            { "name": "slow", "backend": "good", "path": "/s", "optional": true },
            { "name": "profile", "backend": "other", "path": "/p" }
        """, deadline: "60s", time: clock);

        // On the test clock the 60 s deadline never passes (only the profile part's retry backoffs are played out):
        // only stopping the slow part lets the answer come.
        clock.SkipTimersSet();
        var (answer, _) = await clock.PlayAsync(gateway.Client.GetAsync("/c"), timer => timer.IsWait && timer.Due <= TimeSpan.FromSeconds(2));
        using var response = answer;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "part-failed");
        Assert.Equal("profile", problem.GetProperty("part").GetString());
        Assert.Contains("'profile'", problem.GetProperty("detail").GetString());
        var raw = problem.GetRawText();
        Assert.DoesNotContain(broken.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), raw);
        Assert.DoesNotContain("10.1.2.3", raw);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        // The answer could only be an error, so the slow part was cancelled rather than awaited to the deadline.
        await slowAborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 53 && e.Message.Contains("profile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_RequiredPartUnreachable_502NamingThePart()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        var closedPort = Azurite.FreePort();
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "good", "url": "{{good.Url}}" }, { "id": "closed", "url": "http://127.0.0.1:{{closedPort}}" } ],
          "routes": [ { "id": "c", "auth": "anonymous", "match": { "path": "/c" }, "aggregate": { "parts": [
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "b", "backend": "closed", "path": "/b" }
          ] } } ]
        }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "part-failed");
        Assert.Equal("b", problem.GetProperty("part").GetString());
        Assert.DoesNotContain(closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.GetRawText());
        var log = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 50);
        Assert.Contains("unreachable", log.Message);
        Assert.NotNull(log.Exception);
    }

    [Fact]
    public async Task Aggregate_NonJsonRequiredPart_502AndTheLogSaysWhy()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var html = await TestBackend.StartAsync(JsonHandlers.Fixed("<html>hi</html>", 200, "text/html"));
        await using var gateway = await StartAsync(good, html, """
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "page", "backend": "other", "path": "/b" }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("page", (await ProblemAssert.ReadAsync(response, "part-failed")).GetProperty("part").GetString());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("text/html, not JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_ContentEncodedAnswer_FailsThePartSincePorticoAskedForNone()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("1"));
        await using var gzip = await TestBackend.StartAsync(context =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            return JsonHandlers.WriteAsync(context, "{}");
        });
        await using var gateway = await StartAsync(good, gzip, """
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "zipped", "backend": "other", "path": "/z", "optional": true }
        """);

        Assert.Equal("""{"a":1,"_portico":{"partial":true,"failed":["zipped"]}}""" + "\n", await gateway.Client.GetStringAsync("/c"));
        Assert.Null(gzip.LastRequest.Header("Accept-Encoding"));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("content-encoded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_DeadlinePassesWhileOptionalPartRuns_PartialAnswerOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        await using var hanging = await TestBackend.StartAsync(JsonHandlers.Hanging(arrived));
        await using var gateway = await StartAsync(good, hanging, """
            { "name": "profile", "backend": "good", "path": "/p" },
            { "name": "recommendations", "backend": "other", "path": "/r/{profile.id}", "optional": true }
        """, deadline: "2s", time: time);

        // The hanging part reads the first one's answer, so once it has arrived the first part is complete.
        var answer = gateway.Client.GetAsync("/c");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(answer.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"profile":{"id":"42"},"_portico":{"partial":true,"failed":["recommendations"]}}""" + "\n", await response.Content.ReadAsStringAsync());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("deadline", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_DeadlinePassesWhileRequiredPartRuns_504NamingThePart()
    {
        var time = new FakeTimeProvider();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"42"}"""));
        await using var hanging = await TestBackend.StartAsync(JsonHandlers.Hanging(arrived));
        await using var gateway = await StartAsync(good, hanging, """
            { "name": "profile", "backend": "good", "path": "/p" },
            { "name": "orders", "backend": "other", "path": "/o/{profile.id}" }
        """, deadline: "2s", time: time);

        // The hanging part reads the first one's answer, so once it has arrived the first part is complete.
        var answer = gateway.Client.GetAsync("/c");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(answer.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("orders", (await ProblemAssert.ReadAsync(response, "part-timeout")).GetProperty("part").GetString());
    }

    [Fact]
    public async Task Aggregate_PartTimeoutShorterThanDeadline_OptionalDroppedRequiredGives504()
    {
        var time = new FakeTimeProvider();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("1"));
        await using var hanging = await TestBackend.StartAsync(JsonHandlers.Hanging(arrived));
        await using var gateway = await StartAsync(good, hanging, """
            { "name": "fast", "backend": "good", "path": "/f" },
            { "name": "slow", "backend": "other", "path": "/s/{fast}", "optional": true, "timeout": "500ms" }
        """, deadline: "30s", time: time);

        // The hanging part reads the first one's answer, so once it has arrived the first part is complete.
        var answer = gateway.Client.GetAsync("/c");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromMilliseconds(500));
        using var response = await answer.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"fast":1,"_portico":{"partial":true,"failed":["slow"]}}""" + "\n", await response.Content.ReadAsStringAsync());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("timeout, no answer within 500ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_RealClockDeadline_504WithinTheDeadlineNotTheBackendsTime()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("1"));
        await using var hanging = await TestBackend.StartAsync(JsonHandlers.Hanging(arrived));
        await using var gateway = await StartAsync(good, hanging, """
            { "name": "fast", "backend": "good", "path": "/f" }, { "name": "slow", "backend": "other", "path": "/s", "timeout": "300ms" }
        """, deadline: "60s");

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("slow", (await ProblemAssert.ReadAsync(response, "part-timeout")).GetProperty("part").GetString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Aggregate_PartAnswerOverItsLimit_FailsThatPart(bool declaredLength)
    {
        var big = "[" + string.Join(",", Enumerable.Repeat("\"0123456789\"", 20)) + "]"; // 261 bytes
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("1"));
        await using var large = await TestBackend.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            if (declaredLength)
            {
                context.Response.ContentLength = big.Length;
            }

            await context.Response.WriteAsync(big[..100]);
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync(big[100..]);
        });
        await using var gateway = await StartAsync(good, large, """
            { "name": "a", "backend": "good", "path": "/a" },
            { "name": "optionalBig", "backend": "other", "path": "/b", "optional": true, "maxResponseSize": 200 },
            { "name": "fits", "backend": "other", "path": "/b", "optional": true, "maxResponseSize": 261 }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"a":1,"fits":""" + big + ""","_portico":{"partial":true,"failed":["optionalBig"]}}""" + "\n", await response.Content.ReadAsStringAsync());
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("too-large", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_RequiredPartOverItsLimit_502()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("1"));
        await using var large = await TestBackend.StartAsync(JsonHandlers.Fixed(new string('7', 5000)));
        await using var gateway = await StartAsync(good, large, """
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "big", "backend": "other", "path": "/b", "maxResponseSize": 4999 }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("big", (await ProblemAssert.ReadAsync(response, "part-failed")).GetProperty("part").GetString());
    }

    [Theory]
    [InlineData(true, 200)]
    [InlineData(false, 502)]
    public async Task Aggregate_MergedAnswerOverTheRouteLimit_FailsThePartThatWouldCrossIt(bool optional, int status)
    {
        // {"a":"xxxxxxxxxx"} is 18 bytes; with ,"b":"yyyyyyyyyyyyyyyyyyyy" the answer would be 45 bytes.
        await using var a = await TestBackend.StartAsync(JsonHandlers.Fixed("\"xxxxxxxxxx\""));
        await using var b = await TestBackend.StartAsync(JsonHandlers.Fixed("\"yyyyyyyyyyyyyyyyyyyy\""));
        await using var gateway = await StartAsync(a, b, $$"""
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "b", "backend": "other", "path": "/b", "optional": {{(optional ? "true" : "false")}} }
        """, maxResponseSize: 44);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(status, (int)response.StatusCode);
        if (optional)
        {
            Assert.Equal("""{"a":"xxxxxxxxxx","_portico":{"partial":true,"failed":["b"]}}""" + "\n", await response.Content.ReadAsStringAsync());
        }
        else
        {
            Assert.Equal("b", (await ProblemAssert.ReadAsync(response, "part-failed")).GetProperty("part").GetString());
        }
    }

    [Fact]
    public async Task Aggregate_MergedAnswerExactlyAtTheLimit_IsComplete()
    {
        await using var a = await TestBackend.StartAsync(JsonHandlers.Fixed("\"xxxxxxxxxx\""));
        await using var b = await TestBackend.StartAsync(JsonHandlers.Fixed("\"yyyyyyyyyyyyyyyyyyyy\""));
        await using var gateway = await StartAsync(a, b, """
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "b", "backend": "other", "path": "/b" }
        """, maxResponseSize: 45);

        Assert.Equal("""{"a":"xxxxxxxxxx","b":"yyyyyyyyyyyyyyyyyyyy"}""" + "\n", await gateway.Client.GetStringAsync("/c"));
    }

    [Fact]
    public async Task Aggregate_OptionalDependencyFails_DependentIsNotCalledAndBothAreListed()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"id":"1"}"""));
        await using var broken = await TestBackend.StartAsync(JsonHandlers.Fixed("{}", 404));
        await using var gateway = await StartAsync(good, broken, """
            { "name": "details", "backend": "good", "path": "/d/{lookup.id}", "optional": true },
            { "name": "lookup", "backend": "other", "path": "/l", "optional": true },
            { "name": "base", "backend": "good", "path": "/b" }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal("""{"base":{"id":"1"},"_portico":{"partial":true,"failed":["details","lookup"]}}""" + "\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(["/b"], good.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Aggregate_DependencyAnswerLacksTheField_OptionalDependentFailsAsMissingValue()
    {
        await using var good = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"name":"no id here"}"""));
        await using var other = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await StartAsync(good, other, """
            { "name": "profile", "backend": "good", "path": "/p" },
            { "name": "orders", "backend": "other", "path": "/o?user={profile.id}", "optional": true }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal("""{"profile":{"name":"no id here"},"_portico":{"partial":true,"failed":["orders"]}}""" + "\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, other.Count);
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 50 && e.Message.Contains("field 'id' of part 'profile' is missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregate_EveryOptionalPartFails_200WithOnlyTheMarker()
    {
        await using var broken = await TestBackend.StartAsync(JsonHandlers.Fixed("{}", 500));
        await using var gateway = await StartAsync(broken, broken, """
            { "name": "a", "backend": "good", "path": "/a", "optional": true }, { "name": "b", "backend": "other", "path": "/b", "optional": true }
        """);

        Assert.Equal("""{"_portico":{"partial":true,"failed":["a","b"]}}""" + "\n", await gateway.Client.GetStringAsync("/c"));
    }

    [Theory]
    [InlineData("/c", "missing-input", "query parameter 'user'")]
    [InlineData("/c?user=", "missing-input", "query parameter 'user'")]
    [InlineData("/c?user=..", "bad-request", "'.' or '..'")]
    public async Task Aggregate_RequiredInputMissingOrUnusable_400BeforeAnyBackendCall(string path, string code, string detail)
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await StartAsync(backend, backend, """
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "b", "backend": "other", "path": "/users/{query.user}" }
        """);

        using var response = await gateway.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await ProblemAssert.ReadAsync(response, code)).GetProperty("detail").GetString());
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task Aggregate_OptionalPartInputMissing_PartialWithoutCallingIt()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await StartAsync(backend, backend, """
            { "name": "a", "backend": "good", "path": "/a" }, { "name": "search", "backend": "other", "path": "/s?q={query.q}", "optional": true }
        """);

        Assert.Equal("""{"a":{},"_portico":{"partial":true,"failed":["search"]}}""" + "\n", await gateway.Client.GetStringAsync("/c"));
        Assert.Equal(1, backend.Count);
    }

    [Theory]
    [InlineData("""{"customer":{"id":{"nested":true}}}""", "bad-request", "must be a string, number or boolean")]
    [InlineData("""not json""", "bad-request", "must be valid JSON")]
    [InlineData("""{"customer":{"id":"\ud800"}}""", "bad-request", "must be valid JSON")] // an escape that leaves a surrogate unpaired
    [InlineData("""{"customer":{}}""", "missing-input", "body field 'customer.id'")]
    public async Task Aggregate_BodyFieldUnusable_400BeforeAnyBackendCall(string body, string code, string detail)
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await StartAsync(backend, backend, """
            { "name": "a", "backend": "good", "path": "/customers/{body.customer.id}" }
        """);

        using var response = await gateway.Client.PostAsync("/c", new StringContent(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await ProblemAssert.ReadAsync(response, code)).GetProperty("detail").GetString());
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task Aggregate_ClientBodyOverTheRouteLimit_413()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "c", "auth": "anonymous", "match": { "path": "/c" }, "maxRequestBodySize": 16,
            "aggregate": { "parts": [ { "name": "a", "backend": "b", "method": "POST", "path": "/a", "forwardBody": true } ] } } ]
        }
        """);

        // Chunked, so that the limit is met while reading rather than from Content-Length.
        var content = new StreamContent(new MemoryStream(new byte[64]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/c") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "payload-too-large");
        Assert.Equal(0, backend.Count);
    }

    [Fact]
    public async Task Aggregate_ClientBodyOverTheCompositeDefaultOfOneMebibyte_413()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "c", "auth": "anonymous", "match": { "path": "/c" },
            "aggregate": { "parts": [ { "name": "a", "backend": "b", "method": "POST", "path": "/a", "forwardBody": true } ] } } ]
        }
        """);

        using var fits = await gateway.Client.PostAsync("/c", new ByteArrayContent(new byte[1024 * 1024]));
        using var tooLarge = await gateway.Client.PostAsync("/c", new ByteArrayContent(new byte[(1024 * 1024) + 1]));

        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Aggregate_BodyFieldOnARequestWithoutBody_400MissingInput()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await StartAsync(backend, backend, """
            { "name": "a", "backend": "good", "path": "/customers/{body.customer.id}" }
        """);

        using var response = await gateway.Client.GetAsync("/c");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("body field 'customer.id'", (await ProblemAssert.ReadAsync(response, "missing-input")).GetProperty("detail").GetString());
    }

    private static Task<GatewayHost> StartAsync(TestBackend good, TestBackend other, string parts, string deadline = "30s", long? maxResponseSize = null, FakeTimeProvider? time = null) =>
        GatewayHost.StartWithFileAsync(
            $$"""
            {
              "backends": [ { "id": "good", "url": "{{good.Url}}" }, { "id": "other", "url": "{{other.Url}}" } ],
              "routes": [ { "id": "c", "auth": "anonymous", "match": { "path": "/c" },
                "aggregate": { "timeout": "{{deadline}}", {{(maxResponseSize is { } max ? $"\"maxResponseSize\": {max}," : "")}} "parts": [ {{parts}} ] } } ]
            }
            """,
            services: time is null ? null : s => s.AddSingleton<TimeProvider>(time));
}
