using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portico.Configuration;

namespace Portico.Storage.File;

/// <summary>
/// <c>${NAME}</c> and <c>${NAME:-default}</c> in the registry file's string values, replaced from the environment when the
/// file is read (issue 22), so one file serves every environment and secrets stay out of it. <c>$${</c> is a literal
/// <c>${</c>. A variable that is unset (or empty, with <c>:-</c>) takes the default; one without a default is an error
/// located like any other. Values read from the environment never appear in messages: <see cref="Redact"/> puts their
/// <c>${NAME}</c> back.
/// </summary>
internal sealed partial class EnvironmentSubstitution
{
    /// <summary>Values shorter than this are not redacted from messages: they would mangle unrelated text and hide little.</summary>
    public const int MinimumRedactedLength = 4;

    private readonly List<(string Value, string Name)> _secrets = [];

    private EnvironmentSubstitution()
    {
    }

    /// <summary>Errors: references to unset variables without a default, and malformed references.</summary>
    public List<ConfigurationError> Errors { get; } = [];

    /// <summary>Whether <paramref name="utf8Json"/> may hold a reference (a quick scan before any rewriting).</summary>
    public static bool MayApply(ReadOnlySpan<byte> utf8Json) => utf8Json.IndexOf("${"u8) >= 0;

    /// <summary>
    /// Rewrites <paramref name="utf8Json"/> (valid JSON, comments allowed) with every string value substituted.
    /// Property names, numbers and the structure are kept, so JSON paths in the result are those of the input.
    /// </summary>
    public static (byte[] Json, EnvironmentSubstitution Substitution) Apply(ReadOnlySpan<byte> utf8Json, Func<string, string?> environment)
    {
        var substitution = new EnvironmentSubstitution();
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var paths = new JsonPathTracker();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var property = reader.GetString()!;
                        paths.Property(property);
                        writer.WritePropertyName(property);
                        continue;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var isArray = reader.TokenType == JsonTokenType.StartArray;
                        paths.Enter(isArray, out _);
                        if (isArray)
                        {
                            writer.WriteStartArray();
                        }
                        else
                        {
                            writer.WriteStartObject();
                        }

                        continue;
                    case JsonTokenType.EndObject:
                        paths.Leave();
                        writer.WriteEndObject();
                        continue;
                    case JsonTokenType.EndArray:
                        paths.Leave();
                        writer.WriteEndArray();
                        continue;
                }

                var path = paths.Value(out _);
                if (reader.TokenType == JsonTokenType.String)
                {
                    writer.WriteStringValue(substitution.Substitute(reader.GetString()!, path, environment));
                }
                else
                {
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                }
            }
        }

        return (buffer.WrittenSpan.ToArray(), substitution);
    }

    /// <summary><paramref name="message"/> with every value taken from the environment replaced by its <c>${NAME}</c>.</summary>
    public string Redact(string message)
    {
        foreach (var (value, name) in _secrets)
        {
            message = message.Replace(value, "${" + name + "}", StringComparison.Ordinal);
        }

        return message;
    }

    private string Substitute(string text, string path, Func<string, string?> environment)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        return Reference().Replace(text, match =>
        {
            if (match.Groups["escaped"].Success)
            {
                return "${";
            }

            if (!match.Groups["name"].Success)
            {
                Fail(path, "'${' starts an environment variable: write ${NAME} or ${NAME:-default} (NAME of letters, digits and '_'), or $${ for a literal '${'");
                return match.Value;
            }

            var name = match.Groups["name"].Value;
            var value = environment(name);
            if (match.Groups["default"].Success)
            {
                return string.IsNullOrEmpty(value) ? match.Groups["default"].Value : Remember(name, value);
            }

            if (value is null)
            {
                Fail(path, $"environment variable {name} is not set (write ${{{name}:-default}} to give it a default)");
                return match.Value;
            }

            return Remember(name, value);
        });
    }

    private string Remember(string name, string value)
    {
        if (value.Length >= MinimumRedactedLength && !_secrets.Exists(s => s.Value == value))
        {
            _secrets.Add((value, name));
            // Longest first, so a value that contains another is hidden whole.
            _secrets.Sort((a, b) => b.Value.Length.CompareTo(a.Value.Length));
        }

        return value;
    }

    private void Fail(string path, string message) =>
        Errors.Add(new ConfigurationError(path, "", RegistrySerializer.DescribePath(path), message));

    // $${ (a literal), ${NAME}, ${NAME:-default} (the default runs to the first '}'), or a '${' that is none of them.
    [GeneratedRegex(@"(?<escaped>\$\$\{)|\$\{(?:(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}|)")]
    private static partial Regex Reference();
}
