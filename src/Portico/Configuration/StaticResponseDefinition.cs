namespace Portico.Configuration;

/// <summary>A fixed response served by the gateway itself.</summary>
public sealed record StaticResponseDefinition
{
    /// <summary>HTTP status code, 200 to 599. Default 200.</summary>
    public int? Status { get; init; }

    /// <summary>Media type of the body. Default <c>text/plain; charset=utf-8</c>, or JSON when <see cref="Json"/> is set.</summary>
    public string? ContentType { get; init; }

    /// <summary>Response headers.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The body as text.</summary>
    public string? Body { get; init; }

    /// <summary>The body as a JSON value, written compactly; exclusive with <see cref="Body"/>.</summary>
    public System.Text.Json.JsonElement? Json { get; init; }
}
