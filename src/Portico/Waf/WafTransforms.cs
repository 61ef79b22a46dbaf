using System.Buffers;
using System.Net;

namespace Portico.Waf;

/// <summary>
/// Turns a value into the form the rules read: cut to a maximum length, URL-decoded (twice at most, so a double
/// encoding cannot hide a payload), HTML-entity-decoded, lower-cased, SQL block comments removed (<c>un/**/ion</c>;
/// MySQL's executable <c>/*!…*/</c> comments stay, a rule looks for them) and runs of spaces and tabs compressed to
/// one space (line breaks stay: a rule looks for them). Every step is linear in the (capped) length.
/// </summary>
internal static class WafTransforms
{
    private static readonly SearchValues<char> Special = SearchValues.Create("%&/ \t\v\fABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>The normalised form of <paramref name="value"/>, of at most <paramref name="maxLength"/> input characters.</summary>
    public static string Normalize(ReadOnlySpan<char> value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            value = value[..maxLength];
        }

        if (!value.ContainsAny(Special))
        {
            return value.ToString(); // already lower case, nothing to decode or compress: the common case for ids and numbers
        }

        var text = value.ToString();
        for (int round = 0; round < 2 && text.Contains('%'); round++)
        {
            var decoded = Uri.UnescapeDataString(text);
            if (decoded.Length == text.Length)
            {
                break; // nothing decodable left
            }

            text = decoded;
        }

        if (text.Contains('&'))
        {
            text = WebUtility.HtmlDecode(text);
        }

        return Compress(text.ToLowerInvariant());
    }

    /// <summary>Removes SQL block comments (not <c>/*!</c>) and compresses runs of spaces, tabs and form feeds.</summary>
    private static string Compress(string text)
    {
        if (!text.AsSpan().ContainsAny("/ \t\v\f"))
        {
            return text;
        }

        var buffer = ArrayPool<char>.Shared.Rent(text.Length);
        try
        {
            var length = 0;
            var lastWasSpace = false;
            var unclosed = false; // once a comment has no end, no later one has: each search is done at most once
            for (int i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '/' && !unclosed && i + 1 < text.Length && text[i + 1] == '*' && (i + 2 >= text.Length || text[i + 2] != '!'))
                {
                    var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (end >= 0)
                    {
                        // A comment separates tokens like a space does.
                        i = end + 1;
                        c = ' ';
                    }
                    else
                    {
                        unclosed = true;
                    }
                }

                if (c is ' ' or '\t' or '\v' or '\f')
                {
                    if (lastWasSpace)
                    {
                        continue;
                    }

                    lastWasSpace = true;
                    buffer[length++] = ' ';
                    continue;
                }

                lastWasSpace = false;
                buffer[length++] = c;
            }

            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
