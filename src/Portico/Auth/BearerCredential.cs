namespace Portico.Auth;

/// <summary>
/// A bearer token where it lies in the request's <c>Authorization</c> value, so the token's text is only copied out of
/// the header when a verifier needs it as a string of its own (issue 25: a JWT is 600 characters or more, and a
/// client re-sending a remembered token needs no copy of it).
/// </summary>
internal readonly struct BearerCredential
{
    private readonly int _start;

    internal BearerCredential(string header, int start, int length)
    {
        Header = header;
        _start = start;
        Length = length;
    }

    /// <summary>The whole <c>Authorization</c> value the token was read from.</summary>
    public string Header { get; }

    /// <summary>The token's length in characters.</summary>
    public int Length { get; }

    /// <summary>The token, without a copy.</summary>
    public ReadOnlySpan<char> Span => Header.AsSpan(_start, Length);

    /// <summary>
    /// A string that stands for this token and no other, for remembering verified tokens: the header value itself
    /// when the token ends it (the usual case: no copy), else the token. A key that is a whole header contains the
    /// space after the scheme, which no token does, so the two kinds never meet; and a header ending in a token
    /// holds that token and no other.
    /// </summary>
    public string Key => _start + Length == Header.Length ? Header : Token;

    /// <summary>The token as a string of its own (a copy of that part of the header).</summary>
    public string Token => Header.Substring(_start, Length);
}
