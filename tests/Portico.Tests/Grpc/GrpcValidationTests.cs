using Portico.Tests.Infrastructure;

namespace Portico.Tests.Grpc;

/// <summary>A backend's <c>protocol</c> is checked when the registry is loaded.</summary>
public sealed class GrpcValidationTests
{
    [Theory]
    [InlineData("http2")]
    [InlineData("GRPC")]
    [InlineData("")]
    public async Task Validate_UnknownBackendProtocol_NamesBackendAndField(string protocol)
    {
        var errors = await RegistryValidation.ErrorsAsync($$"""
        { "backends": [ { "id": "b", "url": "http://127.0.0.1:9", "protocol": "{{protocol}}" } ] }
        """);

        var error = Assert.Single(errors);
        Assert.Equal("backend 'b'", error.Subject);
        Assert.Equal("protocol", error.Field);
        Assert.Contains($"'{protocol}' is not 'http' or 'grpc'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("grpc")]
    public async Task Validate_KnownBackendProtocol_IsAccepted(string protocol)
    {
        Assert.Empty(await RegistryValidation.ErrorsAsync($$"""
        { "backends": [ { "id": "b", "url": "http://127.0.0.1:9", "protocol": "{{protocol}}" } ] }
        """));
    }
}
