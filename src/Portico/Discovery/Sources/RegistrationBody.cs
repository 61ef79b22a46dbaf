using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Proxy;

namespace Portico.Discovery.Sources;

/// <summary>A registration's body, <c>{"url", "weight", "metadata", "ttl"}</c>, read within a size bound and checked field by field.</summary>
internal sealed record RegistrationBody(string Url, int Weight, IReadOnlyDictionary<string, string> Metadata, TimeSpan? Ttl)
{
    /// <summary>Longest metadata name, and value.</summary>
    public const int MaxMetadataName = 64;

    public const int MaxMetadataValue = 256;

    /// <summary>The registration, or null and why not.</summary>
    public static async Task<(RegistrationBody? Body, string? Error)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (await Admin.AdminRequestBody.ReadAsync(request, maxBytes, cancellationToken) is not { } body)
        {
            return (null, $"the body is over {maxBytes} bytes");
        }

        if (!JsonText.JsonUnicode.IsValid(body.Span))
        {
            return (null, "the body is not JSON: " + JsonText.JsonUnicode.Problem);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            return (null, "the body is not JSON: " + ex.Message);
        }
    }

    private static (RegistrationBody?, string?) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "the body must be a JSON object");
        }

        string? url = null;
        var weight = 1;
        TimeSpan? ttl = null;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "url" when property.Value.ValueKind == JsonValueKind.String:
                    url = property.Value.GetString()!;
                    break;
                case "weight" when property.Value.TryGetInt32(out var w) && w is >= 1 and <= DiscoveryCompiler.MaxWeight:
                    weight = w;
                    break;
                case "weight":
                    return (null, $"'weight' must be a whole number between 1 and {DiscoveryCompiler.MaxWeight}");
                case "ttl" when property.Value.ValueKind == JsonValueKind.String && Configuration.Duration.TryParse(property.Value.GetString(), out var t):
                    ttl = t;
                    break;
                case "ttl":
                    return (null, "'ttl' must be a duration such as '30s'");
                case "metadata" when property.Value.ValueKind == JsonValueKind.Object:
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        if (entry.Value.ValueKind != JsonValueKind.String || entry.Name.Length is 0 or > MaxMetadataName || entry.Value.GetString()!.Length > MaxMetadataValue)
                        {
                            return (null, $"'metadata' holds names of 1 to {MaxMetadataName} characters with string values of at most {MaxMetadataValue}");
                        }

                        metadata[entry.Name] = entry.Value.GetString()!;
                    }

                    if (metadata.Count > DiscoveryCompiler.MaxMetadataEntries)
                    {
                        return (null, $"'metadata' holds at most {DiscoveryCompiler.MaxMetadataEntries} entries");
                    }

                    break;
                case "url" or "metadata":
                    return (null, $"'{property.Name}' has the wrong type");
                default:
                    return (null, $"unknown field '{property.Name}': use 'url', 'weight', 'metadata' and 'ttl'");
            }
        }

        if (url is null)
        {
            return (null, "'url' is required: the instance's own address, such as 'http://10.0.0.7:8080'");
        }

        var problem = url.Length > 2048 ? "longer than 2048 characters" : BackendUrl.Problem(url);
        if (problem is not null)
        {
            return (null, "'url': " + problem);
        }

        return (new RegistrationBody(url, weight, metadata, ttl), null);
    }
}
