namespace Portico.Auth;

/// <summary>
/// A bearer token where it lies in the request's <c>Authorization</c> value, so the token's text is only copied out of
/// the header when a verifier needs it as a string of its own (issue 25: a JWT is 600 characters or more, and a
/// client re-sending a remembered token needs no copy of it).
/// </summary>
internal readonly struct BearerCredential
{
    private readonly int _start;
    private readonly bool _canonical;

    internal BearerCredential(string header, int start, int length, bool canonical)
    {
        Header = header;
        _start = start;
        Length = length;
        _canonical = canonical;
    }

    /// <summary>The whole <c>Authorization</c> value the token was read from.</summary>
    public string Header { get; }

    /// <summary>The token's length in characters.</summary>
    public int Length { get; }

    /// <summary>The token, without a copy.</summary>
    public ReadOnlySpan<char> Span => Header.AsSpan(_start, Length);

    /// <summary>
    /// A string that stands for this token and no other, for remembering verified tokens: the header value itself
    /// when it is exactly <c>Bearer</c>, one space and the token (the usual case: no copy), else the token. So one
    /// token has at most these two keys, however a client spells the scheme or spaces it (one valid token cannot
    /// be turned into many entries that push others' out of the bounded cache). A key that is a whole header
    /// contains the space after the scheme, which no token does, so the two kinds never meet.
    /// </summary>
    public string Key => _canonical ? Header : Token;

    /// <summary>The token as a string of its own (a copy of that part of the header).</summary>
    public string Token => Header.Substring(_start, Length);
}
