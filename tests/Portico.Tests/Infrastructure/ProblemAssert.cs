using System.Text.Json;

namespace Portico.Tests.Infrastructure;

/// <summary>Checks an RFC 9457 problem answer.</summary>
public static class ProblemAssert
{
    /// <summary>Asserts the response is problem+json with <paramref name="code"/> and returns its body.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string code)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal("urn:portico:problem:" + code, json.GetProperty("type").GetString());
        Assert.Equal((int)response.StatusCode, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("title").GetString()));
        return json;
    }
}
