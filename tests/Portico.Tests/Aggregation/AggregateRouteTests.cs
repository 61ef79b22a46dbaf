using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Observability;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Aggregation;

/// <summary>Composite routes through the standalone host: parallel parts, dependent parts, merging and shaping.</summary>
public sealed class AggregateRouteTests
{
    [Fact]
    public async Task Aggregate_ThreeIndependentParts_CalledInParallelAndMergedInDeclarationOrder()
    {
        // Each backend answers only once all three requests have arrived: called one after another, the first call
        // would wait for the others forever (10 s here) and the answer would be a 502.
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RequestDelegate Barrier(string json) => async context =>
        {
            if (Interlocked.Increment(ref arrived) == 3)
            {
                allArrived.TrySetResult();
            }

            await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
            await JsonHandlers.WriteAsync(context, json);
        };
        await using var profile = await TestBackend.StartAsync(Barrier("""{"id":"42","name":"Ada"}"""));
        await using var orders = await TestBackend.StartAsync(Barrier("""[{"id":"o-1"}]"""));
        await using var recommendations = await TestBackend.StartAsync(Barrier("""{"items":["book"]}"""));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [
            { "id": "profile", "url": "{{profile.Url}}" },
            { "id": "orders", "url": "{{orders.Url}}" },
            { "id": "recommendations", "url": "{{recommendations.Url}}" }
          ],
          "routes": [ {
            "id": "home", "auth": "anonymous", "match": { "path": "/home/{userId}", "methods": ["GET"] },
            "aggregate": { "timeout": "30s", "parts": [
              { "name": "profile", "backend": "profile", "path": "/users/{route.userId}" },
              { "name": "orders", "backend": "orders", "path": "/orders?user={route.userId}" },
              { "name": "recommendations", "backend": "recommendations", "path": "/recommendations/{route.userId}" }
            ] }
          } ]
        }
        """);

        using var response = await gateway.Client.GetAsync("/home/42");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("X-Portico-Partial"));
        Assert.Equal("""{"profile":{"id":"42","name":"Ada"},"orders":[{"id":"o-1"}],"recommendations":{"items":["book"]}}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("/users/42", profile.LastRequest.Path);
        Assert.Equal("?user=42", orders.LastRequest.Query);
        Assert.Equal("/recommendations/42", recommendations.LastRequest.Path);
    }

    [Fact]
    public async Task Aggregate_DependentPart_RunsAfterItsDependencyWithItsValuesEncoded()
    {
        var profileAnswered = 0;
        await using var profile = await TestBackend.StartAsync(async context =>
        {
            await JsonHandlers.WriteAsync(context, """{"id":"u 1/&x","address":{"city":"Zürich"},"tags":["a","b"],"age":36,"vip":true}""");
            Interlocked.Exchange(ref profileAnswered, 1);
        });
        var answeredBeforeOrders = -1;
        string? rawTarget = null;
        await using var orders = await TestBackend.StartAsync(context =>
        {
            answeredBeforeOrders = Volatile.Read(ref profileAnswered);
            rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
            return JsonHandlers.WriteAsync(context, """{"orders":[]}""");
        });
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "users", "url": "{{profile.Url}}" }, { "id": "orders", "url": "{{orders.Url}}/api" } ],
          "routes": [ {
            "id": "home", "auth": "anonymous", "match": { "path": "/home/{id}" },
            "aggregate": { "parts": [
              { "name": "orders", "backend": "orders", "path": "/orders/{profile.id}?city={profile/address/city}&tag={profile.tags.1}&age={profile.age}&vip={profile.vip}",
                "headers": { "X-User": "{profile.id}" } },
              { "name": "profile", "backend": "users", "path": "/users/{route.id}", "fields": ["id"] }
            ] }
          } ]
        }
        """);

        using var response = await gateway.Client.GetAsync("/home/7");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answeredBeforeOrders);
        // The value stays one path segment: '/' cannot add a segment, '&' and '?' cannot start or split the query.
        Assert.Equal("/api/orders/u%201%2F%26x?city=Z%C3%BCrich&tag=b&age=36&vip=true", rawTarget);
        Assert.Equal("u 1/&x", orders.LastRequest.Header("X-User"));
        // Declaration order, and the profile's selection applies to the answer, not to what other parts read.
        Assert.Equal("""{"orders":{"orders":[]},"profile":{"id":"u 1/&x"}}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Aggregate_ShapingAndMerging_PointerFieldsRenameRootAndMember()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.From(context => context.Request.Path.Value switch
        {
            "/profile" => """{"id":"42","name":"Ada","secret":"s3","plan":"pro"}""",
            "/orders" => """{"data":{"items":[{"id":"o-1","total":4.5,"internal":1},{"id":"o-2","total":7,"internal":2}]}}""",
            "/meta" => """{"version":"v2","region":"eu","profile":"shadowed","_portico":"never"}""",
            _ => """{"not":"expected"}""",
        }));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ {
            "id": "shaped", "auth": "anonymous", "match": { "path": "/shaped" },
            "aggregate": { "parts": [
              { "name": "meta", "backend": "b", "path": "/meta", "merge": "root", "rename": { "region": "location" } },
              { "name": "profile", "backend": "b", "path": "/profile", "member": "user", "fields": ["name", "id", "missing"], "rename": { "name": "fullName" } },
              { "name": "orders", "backend": "b", "path": "/orders", "pointer": "/data/items", "fields": ["id", "total"] }
            ] }
          } ]
        }
        """);

        var body = await gateway.Client.GetStringAsync("/shaped");

        // Root members come first (declaration order); a root member never replaces an explicit member or the marker.
        Assert.Equal(
            """{"version":"v2","location":"eu","profile":"shadowed","user":{"fullName":"Ada","id":"42"},"orders":[{"id":"o-1","total":4.5},{"id":"o-2","total":7}]}""",
            body);
    }

    [Fact]
    public async Task Aggregate_RootMergeWithMemberOfSameName_ExplicitMemberWins()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.From(context => context.Request.Path.Value == "/a"
            ? """{"user":"from-root","x":1}"""
            : """{"name":"Ada"}"""));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "aggregate": { "parts": [
            { "name": "a", "backend": "b", "path": "/a", "merge": "root" },
            { "name": "user", "backend": "b", "path": "/b" }
          ] } } ]
        }
        """);

        Assert.Equal("""{"x":1,"user":{"name":"Ada"}}""", await gateway.Client.GetStringAsync("/r"));
    }

    [Fact]
    public async Task Aggregate_PostComposite_ForwardsTheBodyToOnePartAndAnotherReadsAField()
    {
        await using var orders = await TestBackend.StartAsync(async context =>
        {
            var received = await new StreamReader(context.Request.Body).ReadToEndAsync();
            await JsonHandlers.WriteAsync(context, $$"""{"created":true,"method":"{{context.Request.Method}}","contentType":"{{context.Request.ContentType}}","length":{{received.Length}}}""", 201);
        });
        var auditBody = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var audit = await TestBackend.StartAsync(async context =>
        {
            auditBody.TrySetResult(await new StreamReader(context.Request.Body).ReadToEndAsync());
            await JsonHandlers.WriteAsync(context, "", 204);
        });
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "orders", "url": "{{orders.Url}}" }, { "id": "audit", "url": "{{audit.Url}}" } ],
          "routes": [ {
            "id": "checkout", "auth": "anonymous", "match": { "path": "/checkout", "methods": ["POST"] },
            "aggregate": { "parts": [
              { "name": "order", "backend": "orders", "method": "POST", "path": "/orders", "forwardBody": true },
              { "name": "audit", "backend": "audit", "method": "PUT", "path": "/audit/{body.customer.id}",
                "body": { "customer": "{body.customer.id}", "items": "{body/items}", "note": "order by {body.customer.id} via {header.X-Channel?}", "created": "{order.created}", "fixed": [1, "two"] } }
            ] }
          } ]
        }
        """);

        var payload = """{"customer":{"id":"c-9"},"items":[{"sku":"x","qty":2}]}""";
        using var response = await gateway.Client.PostAsync("/checkout", new StringContent(payload, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            $$"""{"order":{"created":true,"method":"POST","contentType":"application/json; charset=utf-8","length":{{payload.Length}}},"audit":null}""",
            await response.Content.ReadAsStringAsync());
        Assert.Equal("/audit/c-9", audit.LastRequest.Path);
        Assert.Equal("PUT", audit.LastRequest.Method);
        Assert.Equal("""{"customer":"c-9","items":[{"sku":"x","qty":2}],"note":"order by c-9 via ","created":true,"fixed":[1,"two"]}""", await auditBody.Task);
    }

    [Fact]
    public async Task Aggregate_PartRequests_CarryConfiguredAndForwardingHeadersButNotTheClients()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("{}"));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "aggregate": { "parts": [
            { "name": "a", "backend": "b", "path": "/a", "headers": { "Accept-Language": "{header.Accept-Language}", "X-Tenant": "t-{query.tenant}", "X-Optional": "{header.X-None?}" } }
          ] } } ]
        }
        """);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/r?tenant=blue");
        request.Headers.Add("Accept-Language", "de-CH");
        request.Headers.Add("Authorization", "Bearer client-token");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        request.Headers.Add("Cookie", "session=1");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = backend.LastRequest;
        Assert.Equal("de-CH", call.Header("Accept-Language"));
        Assert.Equal("t-blue", call.Header("X-Tenant"));
        Assert.Null(call.Header("X-Optional")); // every placeholder optional and missing: no header at all
        Assert.Equal("application/json", call.Header("Accept"));
        Assert.Equal("127.0.0.1", call.Header("X-Forwarded-For"));
        Assert.Equal("http", call.Header("X-Forwarded-Proto"));
        Assert.Equal(new Uri(gateway.Url).Authority, call.Header("X-Forwarded-Host"));
        Assert.Null(call.Header("Authorization"));
        Assert.Null(call.Header("Cookie"));
    }

    [Fact]
    public async Task Aggregate_HeadRequest_AnswersLengthWithoutBody()
    {
        await using var backend = await TestBackend.StartAsync(JsonHandlers.Fixed("""{"a":1}"""));
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "aggregate": { "parts": [ { "name": "a", "backend": "b", "path": "/a" } ] } } ]
        }
        """);

        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/r"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"a":{"a":1}}""".Length, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("GET", backend.LastRequest.Method);
    }

    [Fact]
    public async Task Aggregate_MaxConcurrencyOne_LaterPartsWaitForTheFirstsSlot()
    {
        // The parts start in declaration order on one thread, each running until it has to wait: a takes the only slot
        // and sends; b waits for the slot; then c's span starts. A part that has a slot sets its own timeout timer at
        // once, so when c's span starts, b's 7 s timer exists exactly when b did not wait. No pause is needed to see it.
        var clock = new TestClock();
        const string CSpan = "part slots/c";
        var bHadASlotWhenCStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PorticoTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => options.Name == CSpan ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
            ActivityStarted = span =>
            {
                // Other tests' spans start here too (another listener may record them): only c's counts.
                if (span.OperationName == CSpan)
                {
                    bHadASlotWhenCStarted.TrySetResult(clock.TimersSet.Any(timer => timer.IsTimeout && timer.Due == TimeSpan.FromSeconds(7)));
                }
            },
        };
        ActivitySource.AddActivityListener(spans);
        await using var backend = await TestBackend.StartAsync(context => context.Request.Path == "/a"
            ? JsonHandlers.Hanging(new TaskCompletionSource())(context)
            : JsonHandlers.WriteAsync(context, "\"" + context.Request.Path.Value![1..] + "\""));
        await using var gateway = await GatewayHost.StartWithFileAsync(
            $$"""
            {
              "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
              "routes": [ { "id": "slots", "auth": "anonymous", "match": { "path": "/r" }, "aggregate": { "maxConcurrency": 1, "parts": [
                { "name": "a", "backend": "b", "path": "/a", "optional": true, "timeout": "1s" },
                { "name": "b", "backend": "b", "path": "/b", "timeout": "7s" },
                { "name": "c", "backend": "b", "path": "/c" }
              ] } } ]
            }
            """,
            services: clock.AddTo);

        var answer = gateway.Client.GetStringAsync("/r");
        Assert.False(await bHadASlotWhenCStarted.Task.WaitAsync(TimeSpan.FromSeconds(30)), "part b got a slot while part a held the only one");
        await backend.ReceivedAsync(1);
        Assert.Equal("/a", backend.LastRequest.Path);
        clock.Advance(TimeSpan.FromSeconds(1)); // a's timeout frees the slot; b, then c, take it in turn

        Assert.Equal("""{"b":"b","c":"c","_portico":{"partial":true,"failed":["a"]}}""", await answer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["/a", "/b", "/c"], backend.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Aggregate_EmptyAndNonObjectAnswers_MergedAsJsonValues()
    {
        await using var backend = await TestBackend.StartAsync(context => context.Request.Path.Value switch
        {
            "/empty" => JsonHandlers.WriteAsync(context, "", 204),
            "/number" => JsonHandlers.WriteAsync(context, "3.50"),
            "/problem" => JsonHandlers.WriteAsync(context, """{"detail":"x"}""", contentType: "application/problem+json"),
            _ => JsonHandlers.WriteAsync(context, """ [ "s" , null ] """),
        });
        await using var gateway = await GatewayHost.StartWithFileAsync($$"""
        {
          "backends": [ { "id": "b", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "r", "auth": "anonymous", "match": { "path": "/r" }, "aggregate": { "parts": [
            { "name": "empty", "backend": "b", "path": "/empty" }, { "name": "number", "backend": "b", "path": "/number" },
            { "name": "json", "backend": "b", "path": "/problem" }, { "name": "array", "backend": "b", "path": "/array", "fields": ["x"] }
          ] } } ]
        }
        """);

        Assert.Equal("""{"empty":null,"number":3.50,"json":{"detail":"x"},"array":["s",null]}""", await gateway.Client.GetStringAsync("/r"));
    }
}
