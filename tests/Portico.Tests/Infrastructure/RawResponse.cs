using System.Text;
using System.Text.Json;

namespace Portico.Tests.Infrastructure;

/// <summary>A response read off a raw socket.</summary>
public sealed record RawResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The first value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The body as a problem document; asserts it is one with <paramref name="code"/>.</summary>
    public JsonElement Problem(string code)
    {
        Assert.Equal("application/problem+json", Header("Content-Type")?.Split(';')[0]);
        var json = JsonDocument.Parse(Body).RootElement;
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal(Status, json.GetProperty("status").GetInt32());
        return json;
    }
}
