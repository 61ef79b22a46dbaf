using System.Net;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Portico.Registry;
using Portico.Tests.Infrastructure;
using Portico.Tests.Transcoding.Proto;

namespace Portico.Tests.Transcoding;

/// <summary>
/// Descriptor sets in Blob storage (<c>descriptorSetBlob</c>): read from the gateway's own container on Azurite's real
/// Blob service when the registry loads, then used for real calls to the Grpc.AspNetCore test service; a blob that is
/// missing, too large or not a descriptor set is a configuration error naming the route and the blob, and the last
/// good snapshot keeps serving.
/// </summary>
public sealed class TranscodingBlobTests : IAsyncLifetime
{
    private const string Blob = "sets/library v1.pb";

    private readonly byte[] _set = File.ReadAllBytes(TestSchema.DescriptorSetPath);
    private LibraryBackend _backend = null!;
    private BlobContainerClient _container = null!;
    private GatewayHost _gateway = null!;

    private static string Registry(string backendUrl, string blob) => $$"""
    {
      "backends": [ { "id": "library", "url": "{{backendUrl}}", "protocol": "grpc" } ],
      "routes": [
        { "id": "books", "auth": "anonymous", "match": { "path": "/v1/{**rest}" }, "backend": "library",
          "transcode": { "descriptorSetBlob": "{{blob}}", "service": "portico.test.transcoding.v1.Library", "methods": ["GetBook"] } }
      ]
    }
    """;

    public async Task InitializeAsync()
    {
        var connection = await Azurite.BlobConnectionStringAsync();
        _container = new BlobServiceClient(connection).GetBlobContainerClient(Azurite.NewContainerName("sets"));
        await _container.CreateAsync();
        await _container.UploadBlobAsync(Blob, new BinaryData(_set));
        _backend = await LibraryBackend.StartAsync();
        _gateway = await GatewayHost.StartWithFileAsync(Registry(_backend.Url, Blob), new Dictionary<string, string?>
        {
            ["Portico:Transcoding:DescriptorSets:ConnectionString"] = connection,
            ["Portico:Transcoding:DescriptorSets:Container"] = _container.Name,
            // The real set fits exactly; one byte more does not.
            ["Portico:Transcoding:DescriptorSets:MaxSize"] = _set.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _container.DeleteIfExistsAsync();
    }

    [Fact]
    public async Task Get_DescriptorSetFromBlob_TranscodedToTheService()
    {
        using var response = await _gateway.Client.GetAsync("/v1/shelves/s/books/b1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new GetBookRequest { Name = "shelves/s/books/b1" }, Assert.Single(_backend.Calls.Requests));
        Assert.Contains("\"title\":\"Title of shelves/s/books/b1\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_TableModeWithTheCacheBlobAccount_DescriptorSetReadFromThatAccount()
    {
        // Table mode, and no account of the descriptor sets' own: the shared cache's Blob account serves.
        var table = await RegistryTables.ImportAsync(Registry(_backend.Url, Blob));
        await using var gateway = await GatewayHost.StartWithTableAsync(await Azurite.ConnectionStringAsync(), table, new Dictionary<string, string?>
        {
            ["Portico:Caching:Blob:ConnectionString"] = await Azurite.BlobConnectionStringAsync(),
            ["Portico:Caching:Blob:Container"] = Azurite.NewContainerName("cache"),
            ["Portico:Transcoding:DescriptorSets:Container"] = _container.Name,
        });

        using var response = await gateway.Client.GetAsync("/v1/shelves/t/books/b3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new GetBookRequest { Name = "shelves/t/books/b3" }, Assert.Single(_backend.Calls.Requests));
    }

    [Fact]
    public async Task ReadAsync_BlobServiceNeverAnswers_CutAtTheDeadlineWithAReason()
    {
        // A Blob endpoint that holds every call until the client leaves; the deadline runs on a fake clock, moved by hand.
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var silent = await TestBackend.StartAsync(TestBackend.Silent(arrived));
        var options = new Portico.Hosting.PorticoOptions();
        options.Transcoding.DescriptorSets.ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};BlobEndpoint={silent.Url}/{Azurite.AccountName};";
        // The client's own network timeout is far off, so only the deadline below can end the read.
        options.Transcoding.DescriptorSets.Timeout = TimeSpan.FromMinutes(2);
        var blobs = new Portico.Transcoding.DescriptorSetBlobs(Microsoft.Extensions.Options.Options.Create(options));
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var deadline = new CancellationTokenSource(options.Transcoding.DescriptorSets.Timeout, clock);

        var reading = blobs.ReadAsync(Blob, deadline.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the call has reached the endpoint

        clock.Advance(options.Transcoding.DescriptorSets.Timeout);
        var (bytes, error) = await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(bytes);
        Assert.Equal($"blob '{Blob}' in container 'portico-descriptors': no answer within 120 s", error);
    }

    [Theory]
    [InlineData("missing.pb", null, "blob 'missing.pb' in container '{0}' does not exist")]
    [InlineData("big.pb", "oversized", "blob 'big.pb' in container '{0}' is {1} bytes, more than the limit of {2}")]
    [InlineData("garbage.pb", "garbage", "blob 'garbage.pb': not a valid FileDescriptorSet")]
    public async Task Reload_BadDescriptorSetBlob_RejectedNamingRouteAndBlobAndLastGoodServes(string blob, string? content, string expected)
    {
        if (content is not null)
        {
            var bytes = content == "oversized" ? [.. _set, 0] : "not a descriptor set"u8.ToArray();
            await _container.UploadBlobAsync(blob, new BinaryData(bytes));
        }

        await _gateway.WriteConfigAsync(Registry(_backend.Url, blob));
        var outcome = await _gateway.Services.GetRequiredService<RegistryRuntime>().ReloadAsync(CancellationToken.None);
        using var response = await _gateway.Client.GetAsync("/v1/shelves/s/books/b2");

        Assert.Equal(ReloadKind.Rejected, outcome.Kind);
        var error = Assert.Single(outcome.Errors);
        Assert.Contains("route 'books'", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("transcode.descriptorSetBlob", error.Field);
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, _container.Name, _set.Length + 1, _set.Length), error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the snapshot loaded from the good blob still answers
        Assert.Equal(new GetBookRequest { Name = "shelves/s/books/b2" }, Assert.Single(_backend.Calls.Requests));
    }

    [Fact]
    public async Task Validate_NoBlobStorageConfigured_ErrorNamesRouteAndSetting()
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry("http://127.0.0.1:1", Blob));

        var error = Assert.Single(errors);
        Assert.Contains("route 'books'", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("transcode.descriptorSetBlob", error.Field);
        Assert.Contains("no Blob storage is configured for descriptor sets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TwoDescriptorSetSources_ErrorSaysExactlyOne()
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry("http://127.0.0.1:1", Blob).Replace("\"descriptorSetBlob\"", "\"descriptorSetBase64\": \"AAAA\", \"descriptorSetBlob\"", StringComparison.Ordinal));

        Assert.Contains("set exactly one of 'descriptorSet' (a file), 'descriptorSetBase64' and 'descriptorSetBlob'", Assert.Single(errors).Message, StringComparison.Ordinal);
    }
}
