using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portico.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Portico.Storage.File;

/// <summary>
/// The registry file in YAML (issue 22): the same schema as the JSON file, read by converting the YAML to that JSON and
/// remembering where each value was, so every error still names the YAML file's line and column.
/// </summary>
/// <remarks>
/// Plain scalars are typed by the YAML 1.2 core schema (<c>true</c>/<c>false</c>, <c>null</c>/<c>~</c>, decimal numbers,
/// everything else a string); quoted scalars and <c>!!str</c> are always strings. Anchors, aliases and merge keys
/// (<c>&lt;&lt;</c>) are expanded. One document per file.
/// </remarks>
internal static partial class YamlRegistryReader
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>Whether <paramref name="path"/> names a YAML file (<c>.yaml</c> or <c>.yml</c>, any case).</summary>
    public static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>The JSON form of <paramref name="yaml"/> and where each of its values is, or the YAML error, located.</summary>
    public static (byte[]? Json, JsonLocationIndex? Index, ConfigurationError? Error) Convert(byte[] yaml, string sourceName)
    {
        var positions = new Dictionary<string, (int Line, int Column)>(StringComparer.Ordinal);
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(new MemoryStream(yaml), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
            {
                var parser = new Parser(reader);
                try
                {
                    stream.Load(parser);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or InvalidCastException)
                {
                    // YamlDotNet 18 throws these, not a YamlException, on some malformed documents (a flow sequence opened
                    // inside a block mapping's entry, found by the registry fuzzer): the file's fault, located where the
                    // parser stopped.
                    var at = parser.Current?.Start ?? Mark.Empty;
                    return (null, null, Located(sourceName, at, "invalid YAML: the document's structure cannot be read here"));
                }
            }

            if (stream.Documents.Count > 1)
            {
                var second = stream.Documents[1].RootNode.Start;
                return (null, null, Located(sourceName, second, "a registry file holds one YAML document; this is a second one ('---')"));
            }

            var buffer = new ArrayBufferWriter<byte>(yaml.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                if (stream.Documents.Count == 0)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    var root = stream.Documents[0].RootNode;
                    positions["$"] = Position(root.Start);
                    Write(writer, root, "$", positions, depth: 0);
                }
            }

            return (buffer.WrittenSpan.ToArray(), JsonLocationIndex.FromPositions(positions), null);
        }
        catch (YamlException ex)
        {
            return (null, null, Located(sourceName, ex.Start, "invalid YAML: " + Reason(ex)));
        }
        catch (YamlShapeException ex)
        {
            return (null, null, Located(sourceName, ex.At, ex.Message));
        }
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node, string path, Dictionary<string, (int, int)> positions, int depth)
    {
        // Aliases can nest a node in itself; the registry is never that deep.
        if (depth > 64)
        {
            throw new YamlShapeException(node.Start, "the document nests deeper than 64 levels (a recursive alias?)");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                var written = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in Members(mapping, depth))
                {
                    var name = key.Value!;
                    if (!written.Add(name))
                    {
                        continue; // a key the mapping sets itself wins over the same key merged in
                    }

                    var childPath = path + "." + name;
                    positions.TryAdd(childPath, Position(key.Start));
                    writer.WritePropertyName(name);
                    Write(writer, value, childPath, positions, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    var childPath = $"{path}[{index++}]";
                    positions.TryAdd(childPath, Position(item.Start));
                    Write(writer, item, childPath, positions, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new YamlShapeException(node.Start, "unsupported YAML node");
        }
    }

    /// <summary>
    /// A mapping's own members, then those of the mappings it merges with <c>&lt;&lt;: *anchor</c> or
    /// <c>&lt;&lt;: [*a, *b]</c> (YAML merge keys: own keys win, then earlier merged mappings win over later ones).
    /// </summary>
    private static IEnumerable<(YamlScalarNode Key, YamlNode Value)> Members(YamlMappingNode mapping, int depth)
    {
        if (depth > 64)
        {
            throw new YamlShapeException(mapping.Start, "the document nests deeper than 64 levels (a recursive alias?)");
        }

        var merged = new List<YamlNode>();
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } scalar)
            {
                throw new YamlShapeException(key.Start, "a key must be a plain name, not a list or a map");
            }

            if (name == "<<" && scalar.Style is ScalarStyle.Plain or ScalarStyle.Any)
            {
                merged.AddRange(value is YamlSequenceNode list ? list.Children : [value]);
                continue;
            }

            yield return (scalar, value);
        }

        foreach (var source in merged)
        {
            if (source is not YamlMappingNode inner)
            {
                throw new YamlShapeException(source.Start, "'<<' merges a mapping (an alias such as *defaults) or a list of them");
            }

            foreach (var member in Members(inner, depth + 1))
            {
                yield return member;
            }
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && (scalar.Tag.IsEmpty || scalar.Tag.Value != StringTag);
        if (!plain)
        {
            writer.WriteStringValue(value);
        }
        else if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            writer.WriteNullValue();
        }
        else if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(value[0] is 't' or 'T');
        }
        else if (Number().IsMatch(value) && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            // As a decimal, so 10 stays an integer and 0.5 stays exact.
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    private static (int Line, int Column) Position(Mark mark) => ((int)mark.Line, (int)mark.Column);

    private static ConfigurationError Located(string sourceName, Mark at, string message) =>
        new("$", "", "", message) { Location = $"{sourceName}:{at.Line}:{at.Column}" };

    /// <summary>YamlDotNet's message without the position it repeats (the location says it).</summary>
    private static string Reason(YamlException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return (message.StartsWith("(Line", StringComparison.Ordinal) && cut > 0 ? message[(cut + 3)..] : message).TrimEnd('.');
    }

    // YAML 1.2 core schema decimal numbers; JSON cannot hold .inf or .nan, so those stay strings (and fail as such).
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Number();

    private sealed class YamlShapeException(Mark at, string message) : Exception(message)
    {
        public Mark At { get; } = at;
    }
}
