using System.Net;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;
using Portico.Tests.Transcoding;
using Portico.Tests.Transcoding.Proto;

namespace Portico.Functions.Tests.Transcoding;

/// <summary>
/// REST→gRPC transcoding in the Functions app: the client's HTTP/1.1 request passes the host's hop to the worker,
/// whose own HTTP client calls the gRPC service over HTTP/2 (h2c). A unary call with an annotated mapping, a server
/// stream whose first message arrives before the service finishes, and an error status.
/// </summary>
public sealed class TranscodingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The descriptor set of the test service, assembled from the descriptors protoc embedded in the generated code
    /// (each file's FileDescriptorProto, its imports first), carried inline as the registry allows.
    /// </summary>
    private static string DescriptorSetBase64() => Convert.ToBase64String(DescriptorSet());

    private static byte[] DescriptorSet()
    {
        var set = new FileDescriptorSet();
        var seen = new HashSet<string>();
        void Add(FileDescriptor file)
        {
            foreach (var dependency in file.Dependencies)
            {
                Add(dependency);
            }

            if (seen.Add(file.Name))
            {
                set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
            }
        }

        Add(LibraryReflection.Descriptor);
        return set.ToByteArray();
    }

    private static string Registry(string backendUrl, string? descriptorSource = null) => $$"""
    {
      "backends": [ { "id": "library", "url": "{{backendUrl}}", "protocol": "grpc" } ],
      "routes": [
        { "id": "library", "auth": "anonymous", "match": { "path": "/v1/{**rest}" }, "backend": "library",
          "transcode": { {{descriptorSource ?? $"\"descriptorSetBase64\": \"{DescriptorSetBase64()}\""}}, "service": "portico.test.transcoding.v1.Library" } }
      ]
    }
    """;

    [Fact]
    public async Task Get_AnnotatedUnaryMethod_ThroughTheHostAndWorker()
    {
        await using var backend = await LibraryBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync(Registry(backend.Url));

        using var response = await gateway.Client.GetAsync("/v1/shelves/s/books/b?includeAuthors=true").WaitAsync(Bound);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}{Environment.NewLine}{gateway.Log}");
        Assert.Equal(new GetBookRequest { Name = "shelves/s/books/b", IncludeAuthors = true }, Assert.Single(backend.Calls.Requests));
        Assert.Contains("\"pages\":\"9007199254740993\",\"authors\":[\"Ada\",\"Grace\"]", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_DescriptorSetInBlobStorage_ReadByTheWorkerAtLoad()
    {
        var connection = await Azurite.BlobConnectionStringAsync();
        var container = new Azure.Storage.Blobs.BlobServiceClient(connection).GetBlobContainerClient(Azurite.NewContainerName("sets"));
        await container.CreateAsync();
        try
        {
            await container.UploadBlobAsync("library/v1.pb", new BinaryData(DescriptorSet()));
            await using var backend = await LibraryBackend.StartAsync();
            await using var gateway = await FunctionsGateway.StartWithFileAsync(Registry(backend.Url, "\"descriptorSetBlob\": \"library/v1.pb\""), new Dictionary<string, string?>
            {
                ["Portico__Transcoding__DescriptorSets__ConnectionString"] = connection,
                ["Portico__Transcoding__DescriptorSets__Container"] = container.Name,
            });

            using var response = await gateway.Client.GetAsync("/v1/shelves/s/books/b").WaitAsync(Bound);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}{Environment.NewLine}{gateway.Log}");
            Assert.Equal(new GetBookRequest { Name = "shelves/s/books/b" }, Assert.Single(backend.Calls.Requests));
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Get_ServerStream_FirstMessageBeforeServiceFinishes()
    {
        await using var backend = await LibraryBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync(Registry(backend.Url));

        using var response = await gateway.Client.GetAsync("/v1/search?query=f&limit=2", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}{Environment.NewLine}{gateway.Log}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);

        Assert.Equal("""{"title":"f0"}""", await reader.ReadLineAsync().WaitAsync(Bound));
        Assert.False(backend.Calls.StreamFinished.Task.IsCompleted, "the service finished before the client read the first message");
        backend.Calls.Release.SetResult();
        Assert.Equal("""{"title":"f1","pages":"1"}""", await reader.ReadLineAsync().WaitAsync(Bound));
        Assert.Null(await reader.ReadLineAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Post_ServiceError_ProblemWithMappedStatus()
    {
        await using var backend = await LibraryBackend.StartAsync();
        await using var gateway = await FunctionsGateway.StartWithFileAsync(Registry(backend.Url));

        using var response = await gateway.Client.PostAsync("/v1/fail", new StringContent("""{"code":5,"message":"no shelf"}""", Encoding.UTF8, "application/json")).WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "grpc-not-found");
        Assert.Equal("no shelf", problem.GetProperty("detail").GetString());
    }
}
