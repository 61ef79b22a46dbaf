using System.Text.Json;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Transcoding;

/// <summary>A transcoding route that cannot work is a configuration error naming the route and the field, found when the registry loads.</summary>
public sealed class TranscodingConfigurationTests
{
    private static string Registry(string transcode, string protocol = "grpc") => $$"""
    {
      "backends": [ { "id": "library", "url": "http://127.0.0.1:1", "protocol": "{{protocol}}" } ],
      "routes": [ { "id": "books", "auth": "anonymous", "match": { "path": "/v1/{**rest}" }, "backend": "library", "transcode": {{transcode}} } ]
    }
    """;

    private static string Set => JsonSerializer.Serialize(TestSchema.DescriptorSetPath);

    [Theory]
    [InlineData("""{ "descriptorSet": SET, "service": "portico.test.transcoding.v1.Library", "methods": ["GetBook", "Nope"] }""",
        "transcode.methods[1]", "route 'books': service 'portico.test.transcoding.v1.Library' in the descriptor set has no method 'Nope'")]
    [InlineData("""{ "descriptorSet": SET, "service": "Library" }""",
        "transcode.service", "route 'books': the descriptor set has no service 'Library'")]
    [InlineData("""{ "descriptorSet": "missing.pb", "service": "x.Y" }""",
        "transcode.descriptorSet", "'missing.pb' cannot be read")]
    [InlineData("""{ "descriptorSetBase64": "AAAA", "service": "x.Y" }""",
        "transcode.descriptorSetBase64", "not a valid FileDescriptorSet")]
    [InlineData("""{ "descriptorSetBase64": "%%", "service": "x.Y" }""",
        "transcode.descriptorSetBase64", "not base64")]
    [InlineData("""{ "service": "x.Y" }""",
        "transcode", "set exactly one of 'descriptorSet' (a file), 'descriptorSetBase64' and 'descriptorSetBlob'")]
    [InlineData("""{ "descriptorSet": SET, "service": "portico.test.transcoding.v1.Library", "streaming": "websocket" }""",
        "transcode.streaming", "'websocket' is not 'ndjson' or 'sse'")]
    [InlineData("""{ "descriptorSet": SET, "service": "portico.test.transcoding.v1.Library", "requestHeaders": ["grpc-timeout"] }""",
        "transcode.requestHeaders[0]", "'grpc-timeout' is set by the gateway or the gRPC protocol")]
    public async Task Validate_BadTranscodeBlock_ErrorNamesRouteAndField(string transcode, string field, string expected)
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry(transcode.Replace("SET", Set, StringComparison.Ordinal)));

        var error = Assert.Single(errors);
        Assert.Contains("route 'books'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(field, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_HttpBackend_ErrorSaysGrpcIsNeeded()
    {
        var errors = await RegistryValidation.ErrorsAsync(Registry($$"""{ "descriptorSet": {{Set}}, "service": "portico.test.transcoding.v1.Library" }""", protocol: "http"));

        Assert.Contains("must have \"protocol\": \"grpc\"", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DescriptorSetBesideTheRegistry_Accepted()
    {
        using var directory = new TempDirectory();
        File.Copy(TestSchema.DescriptorSetPath, directory.File("library.pb"));
        var path = directory.File("portico.json");
        await File.WriteAllTextAsync(path, Registry("""{ "descriptorSet": "library.pb", "service": "portico.test.transcoding.v1.Library" }"""));

        using var store = new Portico.Storage.File.FileRegistryStore(path, watch: false);
        var (outcome, _) = await Portico.Cli.Config.RegistryCheck.RunAsync(store, CancellationToken.None);

        Assert.Empty(outcome.Errors);
    }
}
