using Microsoft.Net.Http.Headers;

namespace Portico.Validation;

/// <summary>
/// The media types a route accepts for a request body: exact (<c>application/json</c>), a subtype wildcard
/// (<c>text/*</c>), a structured-syntax wildcard (<c>application/*+json</c>) or anything (<c>*/*</c>). Parameters such
/// as <c>charset</c> are ignored; comparison is case-insensitive (RFC 9110 §8.3.1).
/// </summary>
internal sealed class MediaTypeList
{
    private readonly (string Type, string Subtype)[] _entries;

    private MediaTypeList(string[] texts, (string Type, string Subtype)[] entries)
    {
        Texts = texts;
        _entries = entries;
    }

    /// <summary>The JSON types: <c>application/json</c> and <c>application/*+json</c>.</summary>
    public static MediaTypeList Json { get; } = Compile(["application/json", "application/*+json"], (_, _) => { })!;

    /// <summary>The entries as configured, for the 415 answer's detail.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Compiles the list; null after reporting each malformed entry through <paramref name="error"/> (index, message).</summary>
    public static MediaTypeList? Compile(IReadOnlyList<string> texts, Action<int, string> error)
    {
        var entries = new (string, string)[texts.Count];
        var valid = texts.Count > 0;
        if (texts.Count == 0)
        {
            error(-1, "an empty list accepts no body at all; remove it to accept any media type");
        }

        for (int i = 0; i < texts.Count; i++)
        {
            if (!MediaTypeHeaderValue.TryParse(texts[i], out var parsed) || parsed.Parameters.Count > 0 || parsed.MediaType.Value is not { } mediaType)
            {
                error(i, $"'{texts[i]}' is not a media type such as application/json or application/*+json");
                valid = false;
                continue;
            }

            var slash = mediaType.IndexOf('/');
            entries[i] = (mediaType[..slash].ToLowerInvariant(), mediaType[(slash + 1)..].ToLowerInvariant());
        }

        return valid ? new MediaTypeList([.. texts], entries) : null;
    }

    /// <summary>Whether <paramref name="contentType"/> (a whole <c>Content-Type</c> value) is accepted.</summary>
    public bool Allows(string? contentType)
    {
        if (!TrySplit(contentType, out var type, out var subtype))
        {
            return false;
        }

        foreach (var (allowedType, allowedSubtype) in _entries)
        {
            if (allowedType == "*" || (type.Equals(allowedType, StringComparison.OrdinalIgnoreCase) && SubtypeMatches(allowedSubtype, subtype)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="contentType"/> is JSON: <c>application/json</c> or any <c>+json</c> type (RFC 6839).</summary>
    public static bool IsJson(string? contentType) =>
        TrySplit(contentType, out var type, out var subtype)
        && (subtype.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || (type.Equals("application", StringComparison.OrdinalIgnoreCase) && subtype.Equals("json", StringComparison.OrdinalIgnoreCase)));

    private static bool SubtypeMatches(string allowed, ReadOnlySpan<char> subtype) =>
        allowed == "*"
        || subtype.Equals(allowed, StringComparison.OrdinalIgnoreCase)
        || (allowed.StartsWith("*+", StringComparison.Ordinal) && subtype.EndsWith(allowed.AsSpan(1), StringComparison.OrdinalIgnoreCase));

    private static bool TrySplit(string? contentType, out ReadOnlySpan<char> type, out ReadOnlySpan<char> subtype)
    {
        type = subtype = default;
        if (contentType is null)
        {
            return false;
        }

        var value = contentType.AsSpan();
        var semicolon = value.IndexOf(';');
        value = (semicolon < 0 ? value : value[..semicolon]).Trim();
        var slash = value.IndexOf('/');
        if (slash <= 0 || slash == value.Length - 1)
        {
            return false;
        }

        type = value[..slash];
        subtype = value[(slash + 1)..];
        return true;
    }
}
