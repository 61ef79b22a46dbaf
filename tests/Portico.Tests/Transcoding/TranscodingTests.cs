using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Portico.Tests.Infrastructure;
using Portico.Tests.Transcoding.Proto;

namespace Portico.Tests.Transcoding;

/// <summary>
/// REST→gRPC transcoding in <c>portico serve</c>: plain HTTP/1.1 JSON clients through the gateway to a real
/// Grpc.AspNetCore service over h2c, mapped by the service's google.api.http annotations (descriptor set made by
/// protoc at build time) or by the default <c>POST /package.Service/Method</c>. The service's parsed request
/// messages (generated classes) prove what the gateway built.
/// </summary>
public sealed class TranscodingTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly (string Key, string Id) Credential = Portico.Auth.ApiKeyFormat.Generate();

    private LibraryBackend _backend = null!;
    private GatewayHost _gateway = null!;

    private HttpClient Client => _gateway.Client;

    public static string Registry(string backendUrl) => $$"""
    {
      "apiKeys": [ {{RegistryJson.ApiKey(Credential.Id, "alice", Credential.Key)}} ],
      "consumers": [ { "id": "alice" } ],
      "authPolicies": [ { "id": "keys", "type": "apiKey", "apiKey": { "header": "X-Api-Key" } } ],
      "backends": [ { "id": "library", "url": "{{backendUrl}}", "protocol": "grpc" } ],
      "routes": [
        { "id": "library", "auth": "anonymous", "match": { "path": "/v1/{**rest}" }, "backend": "library",
          "resilience": { "timeout": "7s" },
          "transcode": { "descriptorSet": {{JsonSerializer.Serialize(TestSchema.DescriptorSetPath)}}, "service": "portico.test.transcoding.v1.Library",
                         "requestHeaders": ["X-Tenant"], "responseHeaders": ["x-served-by", "x-cost"] } },
        { "id": "library-sse", "auth": "anonymous", "match": { "path": "/events/v1/{**rest}" }, "backend": "library",
          "rewrite": { "stripPrefix": "/events" },
          "transcode": { "descriptorSetBase64": "{{Convert.ToBase64String(File.ReadAllBytes(TestSchema.DescriptorSetPath))}}",
                         "service": "portico.test.transcoding.v1.Library", "methods": ["SearchBooks"], "streaming": "sse" } },
        { "id": "library-echo", "auth": "keys", "match": { "path": "/portico.test.transcoding.v1.Library/{method}" }, "backend": "library",
          "transcode": { "descriptorSet": {{JsonSerializer.Serialize(TestSchema.DescriptorSetPath)}}, "service": "portico.test.transcoding.v1.Library", "methods": ["Echo"] } }
      ]
    }
    """;

    public async Task InitializeAsync()
    {
        _backend = await LibraryBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync(Registry(_backend.Url));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Get_PathTemplateWithSlashesAndQuery_RequestBuiltAndResponseMapped()
    {
        using var response = await Client.GetAsync("/v1/shelves/s%201/books/b2?includeAuthors=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new GetBookRequest { Name = "shelves/s 1/books/b2", IncludeAuthors = true }, Assert.Single(_backend.Calls.Requests));
        Assert.Equal(
            """{"name":"shelves/s 1/books/b2","title":"Title of shelves/s 1/books/b2","pages":"9007199254740993","authors":["Ada","Grace"],"published":"2024-01-31T12:00:00Z","cover":"RED"}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_BodyFieldPathVariableAndQuery_AllSetTheRequest()
    {
        using var response = await Client.PostAsync("/v1/shelves/fiction/books?request_id=r9",
            Json("""{"title":"Dune","pages":"412","authors":["Frank"],"cover":2}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = new CreateBookRequest { Shelf = "fiction", RequestId = "r9", Book = new Book { Title = "Dune", Pages = 412, Authors = { "Frank" }, Cover = Color.Green } };
        Assert.Equal(expected, Assert.Single(_backend.Calls.Requests));
        Assert.Contains("\"name\":\"fiction/books/r9\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Patch_NestedPathVariableBesideBodyField_PathWins()
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/v1/shelves/a/books/b?updateMask=title,pages")
        {
            Content = Json("""{"name":"ignored","title":"New"}"""),
        };

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = new UpdateBookRequest { Book = new Book { Name = "shelves/a/books/b", Title = "New" }, UpdateMask = new FieldMask { Paths = { "title", "pages" } } };
        Assert.Equal(expected, Assert.Single(_backend.Calls.Requests));
    }

    [Fact]
    public async Task Get_RepeatedNestedAndEnumQueryParameters_ResponseBodyField()
    {
        using var response = await Client.GetAsync("/v1/shelves/s/books?authors=a&authors=b&pageSize=2&cover=GREEN&filter.name=x&filter.value=-3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = new ListBooksRequest { Shelf = "s", Authors = { "a", "b" }, PageSize = 2, Cover = Color.Green, Filter = new Nested { Name = "x", Value = -3 } };
        Assert.Equal(expected, Assert.Single(_backend.Calls.Requests));
        // response_body: "books" answers with that field alone, an array.
        Assert.Equal("""[{"name":"s/a","pages":"2","authors":["a"],"cover":"GREEN"},{"name":"s/b","pages":"2","authors":["b"],"cover":"GREEN"}]""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_DefaultMapping_EverythingRoundTrips()
    {
        var message = new Everything
        {
            FInt64 = long.MinValue, FUint64 = ulong.MaxValue, FBytes = ByteString.CopyFrom(1, 2), Color = Color.Green, Maybe = 0,
            ChoiceNested = new Nested { Name = "n" }, PackedInts = { 1, 2 }, Counts = { ["k"] = 5 }, At = new Timestamp { Seconds = 5, Nanos = 1000 },
            WString = "", Meta = Struct.Parser.ParseJson("""{"a":[1,null]}"""), Mask = new FieldMask { Paths = { "f_int64" } },
            Extra = Any.Pack(new Nested { Value = 1 }), Nothing = new Empty(),
        };
        await AssertEchoedAsync(message);
    }

    [Fact]
    public async Task Post_MessageFarLargerThanItsJson_EncodedWhole()
    {
        // -1 is 3 bytes of JSON and 10 of protobuf: the message outgrows the buffer sized from the body, which is
        // then swapped for a larger one. The service must get every element, in order.
        var message = new Everything { PackedInts = { Enumerable.Repeat(-1, 5000) }, FString = "end" };
        await AssertEchoedAsync(message);
    }

    /// <summary>Sends <paramref name="message"/> as JSON to Echo (default binding): the service gets it and the answer is it.</summary>
    private async Task AssertEchoedAsync(Everything message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/portico.test.transcoding.v1.Library/Echo") { Content = Json(TestSchema.Formatter.Format(message)) };
        request.Headers.Add("X-Api-Key", Credential.Key);

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(message, Assert.Single(_backend.Calls.Requests));
        Assert.Equal(message, TestSchema.Parser.Parse<Everything>(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Get_QueryParametersOnLaterCalls_ResolvedAsOnTheFirst()
    {
        // Field paths of query parameter names are remembered per route after the first call.
        for (var call = 0; call < 3; call++)
        {
            using var response = await Client.GetAsync($"/v1/shelves/s{call}/books?filter.name=x&page_size={call + 1}&filter.value=-3");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(
            Enumerable.Range(0, 3).Select(call => (IMessage)new ListBooksRequest { Shelf = "s" + call, PageSize = call + 1, Filter = new Nested { Name = "x", Value = -3 } }),
            _backend.Calls.Requests);
    }

    [Fact]
    public async Task Post_RouteAuthentication_AppliesBeforeTheCall()
    {
        using var response = await Client.PostAsync("/portico.test.transcoding.v1.Library/Echo", Json("{}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_backend.Calls.Requests);
    }

    [Fact]
    public async Task Get_ServerStream_NdjsonFirstMessageBeforeServiceFinishes()
    {
        using var response = await Client.GetAsync("/v1/search?query=q&limit=3", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The service holds its second message until the client has read the first: a gateway that buffered
        // the stream would never deliver it, whatever the machine's speed.
        Assert.Equal("""{"title":"q0"}""", await reader.ReadLineAsync().WaitAsync(Bound));
        Assert.False(_backend.Calls.StreamFinished.Task.IsCompleted);
        _backend.Calls.Release.SetResult();

        Assert.Equal("""{"title":"q1","pages":"1"}""", await reader.ReadLineAsync().WaitAsync(Bound));
        Assert.Equal("""{"title":"q2","pages":"2"}""", await reader.ReadLineAsync().WaitAsync(Bound));
        Assert.Null(await reader.ReadLineAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Post_ServerStreamAsSse_EventsThroughRewriteAndVerb()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/v1/search:run") { Content = Json("""{"query":"s","limit":2}""") };
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        Assert.Equal("""data: {"title":"s0"}""", await reader.ReadLineAsync().WaitAsync(Bound));
        Assert.Equal("", await reader.ReadLineAsync().WaitAsync(Bound));
        _backend.Calls.Release.SetResult();

        Assert.Equal("data: {\"title\":\"s1\",\"pages\":\"1\"}\n\n", await reader.ReadToEndAsync().WaitAsync(Bound));
        Assert.Equal(new SearchRequest { Query = "s", Limit = 2 }, Assert.Single(_backend.Calls.Requests));
    }

    [Fact]
    public async Task Get_StreamEndsWithError_LastLineIsTheStatus()
    {
        using var response = await Client.GetAsync("/v1/search?query=e&limit=1&then=fail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"title\":\"e0\"}\n{\"error\":{\"code\":5,\"status\":\"NOT_FOUND\",\"message\":\"no more books\"}}\n", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(3, 400, "grpc-invalid-argument")]
    [InlineData(4, 504, "grpc-deadline-exceeded")]
    [InlineData(5, 404, "grpc-not-found")]
    [InlineData(6, 409, "grpc-already-exists")]
    [InlineData(7, 403, "grpc-permission-denied")]
    [InlineData(8, 429, "grpc-resource-exhausted")]
    [InlineData(9, 400, "grpc-failed-precondition")]
    [InlineData(10, 409, "grpc-aborted")]
    [InlineData(11, 400, "grpc-out-of-range")]
    [InlineData(12, 501, "grpc-unimplemented")]
    [InlineData(14, 503, "grpc-unavailable")]
    [InlineData(16, 401, "grpc-unauthenticated")]
    public async Task Post_ServiceError_StandardHttpStatusAndProblem(int code, int status, string problem)
    {
        using var response = await Client.PostAsync("/v1/fail", Json($$"""{"code":{{code}},"message":"because"}"""));

        Assert.Equal(status, (int)response.StatusCode);
        var body = await ProblemAssert.ReadAsync(response, problem);
        Assert.Equal("because", body.GetProperty("detail").GetString());
        Assert.Equal(Portico.Transcoding.GrpcStatusMapping.Name(code), body.GetProperty("grpcStatus").GetString());
        Assert.Equal("3", Assert.Single(response.Headers.GetValues("x-cost"))); // an allowed trailer of an error, as a header
    }

    [Fact]
    public async Task Post_ErrorWithStatusDetails_DetailsInTheProblem()
    {
        using var response = await Client.PostAsync("/v1/fail", Json("""{"code":3,"message":"bad shelf","withDetails":true}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await ProblemAssert.ReadAsync(response, "grpc-invalid-argument");
        Assert.Equal(
            """[{"@type":"type.googleapis.com/portico.test.transcoding.v1.Nested","name":"field","value":7},{"@type":"type.googleapis.com/google.rpc.Other","value":"AQI="}]""",
            body.GetProperty("details").GetRawText());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(13)]
    [InlineData(15)]
    public async Task Post_ServiceOwnFailure_500WithoutItsMessage(int code)
    {
        using var response = await Client.PostAsync("/v1/fail", Json($$"""{"code":{{code}},"message":"stack trace at db.cs:12","withDetails":true}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("stack trace", text);
        Assert.DoesNotContain("details", text);
        Assert.Contains(_gateway.Logs.Entries, e => e.EventId.Id == 2802 && e.Message.Contains("stack trace at db.cs:12"));
    }

    [Fact]
    public async Task Post_HeadersAllowListsAndDeadline_Applied()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inspect") { Content = Json("{}") };
        request.Headers.Add("X-Tenant", "t1");
        request.Headers.Add("X-Other", "not passed");

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inspection = TestSchema.Parser.Parse<Inspection>(await response.Content.ReadAsStringAsync());
        Assert.Equal("t1", inspection.Metadata["x-tenant"]);
        Assert.False(inspection.Metadata.ContainsKey("x-other"));
        Assert.Equal("7000m", inspection.GrpcTimeout); // the route's timeout is the call's deadline
        Assert.Equal("library", Assert.Single(response.Headers.GetValues("x-served-by")));
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("x-cost")));
        Assert.False(response.Headers.Contains("x-secret"));
    }

    [Fact]
    public async Task Send_CustomHttpMethodBinding_Matched()
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod("PURGE"), "/v1/inspect"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.IsType<Empty>(Assert.Single(_backend.Calls.Requests));
    }

    [Theory]
    [InlineData("POST", "/v1/shelves/s/books", """{"title":"x","tilte":"y"}""", "field 'tilte': unknown field")]
    [InlineData("POST", "/v1/shelves/s/books", """{"pages":"many"}""", "field 'pages': 'many' is not an integer")]
    [InlineData("POST", "/v1/shelves/s/books", """{"title":""", "body: not JSON")]
    [InlineData("POST", "/v1/shelves/s/books", """{"title":"\ud800"}""", "body: not JSON (it is not UTF-8 text, or a \\u escape leaves a surrogate unpaired)")]
    [InlineData("GET", "/v1/shelves/s/books?colour=RED", null, "query parameter 'colour': portico.test.transcoding.v1.ListBooksRequest has no field 'colour'")]
    [InlineData("GET", "/v1/shelves/s/books?pageSize=1&pageSize=2", null, "query parameter 'pageSize': given 2 times")]
    [InlineData("GET", "/v1/shelves/s/books?cover=PURPLE", null, "'PURPLE' is not a value of enum")]
    [InlineData("POST", "/v1/fail?code=3", """{"code":3}""", "query parameter 'code': the body sets the whole request message")]
    [InlineData("POST", "/v1/shelves/s/books?book.title=x", "{}", "query parameter 'book.title': the body sets 'book'")]
    public async Task Send_BadInput_400NamingTheFieldAndServiceNotCalled(string method, string path, string? body, string expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "invalid-grpc-request");
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Empty(_backend.Calls.Requests);
    }

    [Theory]
    [InlineData("GET", "/v1/nothing/here")]
    [InlineData("DELETE", "/v1/shelves/s/books")]
    [InlineData("POST", "/v1/search")]
    public async Task Send_NoBindingMatches_404(string method, string path)
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ProblemAssert.ReadAsync(response, "grpc-method-not-mapped");
        Assert.Empty(_backend.Calls.Requests);
    }

    [Fact]
    public async Task Get_ServiceDown_502()
    {
        await _backend.DisposeAsync();

        using var response = await Client.GetAsync("/v1/shelves/s/books/b");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        _backend = await LibraryBackend.StartAsync(); // disposed again by the test class
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
