using System.Text.Json;

namespace Portico.Configuration;

/// <summary>
/// One backend call of a composite route: what to call (backend, method, path template, headers, body), how its
/// JSON answer is shaped and placed in the merged answer, and what happens when it fails.
/// </summary>
public sealed record AggregatePartDefinition
{
    /// <summary>Unique name within the route: the member of the merged answer, and how other parts refer to it.</summary>
    public required string Name { get; init; }

    /// <summary>Id of the backend called.</summary>
    public required string Backend { get; init; }

    /// <summary>HTTP method of the call: GET (default), POST, PUT, PATCH or DELETE.</summary>
    public string? Method { get; init; }

    /// <summary>
    /// Path and optional query on the backend, with placeholders such as <c>{route.id}</c>, <c>{query.q}</c>,
    /// <c>{header.Accept-Language}</c>, <c>{identity.consumerId}</c>, <c>{claim.tenant}</c>, <c>{body.user.id}</c> or
    /// another part's field (<c>{profile.id}</c>); substituted values are percent-encoded.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>Request headers to send, by name; values may contain placeholders.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Send the client's request body (and its <c>Content-Type</c>) with this call. Exclusive with <see cref="Body"/>.</summary>
    public bool? ForwardBody { get; init; }

    /// <summary>
    /// A JSON body to send, built per request: a string that is exactly one placeholder becomes that value (of any
    /// JSON type), other strings are interpolated. Exclusive with <see cref="ForwardBody"/>.
    /// </summary>
    public JsonElement? Body { get; init; }

    /// <summary>When true, a failure of this part still gives a (partial) 200 answer. Default false: the part is required.</summary>
    public bool? Optional { get; init; }

    /// <summary>The value used in place of a failed optional part's data; the answer is still marked partial.</summary>
    public JsonElement? Fallback { get; init; }

    /// <summary>Longest this call may take, as a duration such as <c>500ms</c>; bounded by the route's <see cref="AggregateDefinition.Timeout"/>.</summary>
    public string? Timeout { get; init; }

    /// <summary>Largest response body in bytes read from the backend; beyond it the part fails. Default 1 MiB.</summary>
    public long? MaxResponseSize { get; init; }

    /// <summary>Where the data goes: <c>member</c> (default, under <see cref="Member"/>) or <c>root</c> (its members are copied into the answer).</summary>
    public string? Merge { get; init; }

    /// <summary>The member of the merged answer that holds this part's data. Default: the part's name.</summary>
    public string? Member { get; init; }

    /// <summary>An RFC 6901 JSON pointer selecting the data within the response (for example <c>/data/items</c>).</summary>
    public string? Pointer { get; init; }

    /// <summary>Keep only these members (of the object, or of each object of an array), in this order.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>Renames members (of the object, or of each object of an array): old name to new name.</summary>
    public IReadOnlyDictionary<string, string>? Rename { get; init; }
}
