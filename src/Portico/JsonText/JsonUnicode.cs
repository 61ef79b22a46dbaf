using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Portico.JsonText;

/// <summary>
/// Whether JSON text holds only valid Unicode: UTF-8 bytes (RFC 8259 §8.1) and no <c>\uXXXX</c> escape that leaves a
/// surrogate unpaired (§8.2). System.Text.Json parses both kinds of text and throws only later, when a string is read or
/// written; checked first, text from a caller or a backend that is not Unicode is refused like any other malformed JSON.
/// </summary>
internal static class JsonUnicode
{
    /// <summary>What a refusal says about such text (after "the body is not valid JSON" or similar).</summary>
    public const string Problem = "it is not UTF-8 text, or a \\u escape leaves a surrogate unpaired";

    /// <summary>Strings longer than this are unescaped into a pooled buffer rather than on the stack.</summary>
    private const int StackChars = 256;

    /// <summary>
    /// True when <paramref name="utf8Json"/> is valid UTF-8 and every escaped string or member name unescapes to valid
    /// UTF-16. Text that is not well-formed JSON passes (its parser reports that, with a position).
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> utf8Json)
    {
        if (!Utf8.IsValid(utf8Json))
        {
            return false;
        }

        // Only a \u escape can encode a lone surrogate; most bodies have none and cost one vectorized search.
        return utf8Json.IndexOf("\\u"u8) < 0 || EscapesAreValid(utf8Json);
    }

    private static bool EscapesAreValid(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 4096 });
        char[]? rented = null;
        try
        {
            Span<char> stack = stackalloc char[StackChars];
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped)
                {
                    continue;
                }

                var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                var destination = stack;
                if (length > StackChars)
                {
                    if (rented is null || rented.Length < length)
                    {
                        if (rented is not null)
                        {
                            ArrayPool<char>.Shared.Return(rented);
                        }

                        rented = ArrayPool<char>.Shared.Rent(length);
                    }

                    destination = rented;
                }

                reader.CopyString(destination);
            }

            return true;
        }
        catch (JsonException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
