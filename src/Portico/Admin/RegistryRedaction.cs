using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portico.Configuration;

namespace Portico.Admin;

/// <summary>
/// The registry as the admin API shows it: the file format, with every value that could be a secret replaced by
/// <see cref="Redacted"/>. Redaction goes by name and shape rather than by a list of today's fields, so a field added
/// later with a secret-sounding name is hidden without anyone remembering to add it here.
/// </summary>
/// <remarks>
/// Hidden: API key hashes; any field named like a secret, password, private or signing key, connection string or
/// credential (a field ending in <c>Setting</c> names a setting and is kept: it is where the secret lives, not the
/// secret); private members of JWKs (<c>d</c>, <c>p</c>, <c>q</c>, <c>dp</c>, <c>dq</c>, <c>qi</c>, <c>k</c>, <c>oth</c>);
/// any string holding a PEM private key (<c>-----BEGIN … PRIVATE KEY-----</c>); and, in free-form maps (<c>headers</c>, <c>metadata</c>), the values of
/// entries named like a credential (<c>Authorization</c>, <c>Cookie</c>, <c>*key*</c>, <c>*token*</c>…).
/// </remarks>
internal static partial class RegistryRedaction
{
    /// <summary>What replaces a hidden value.</summary>
    public const string Redacted = "(redacted)";

    private static readonly HashSet<string> PrivateJwkMembers = new(StringComparer.Ordinal) { "d", "p", "q", "dp", "dq", "qi", "k", "oth" };
    private static readonly HashSet<string> FreeFormMaps = new(StringComparer.Ordinal) { "headers", "metadata" };

    /// <summary>The document as JSON, secrets hidden.</summary>
    public static JsonNode Redact(RegistryDocument document)
    {
        // Parsed from the file form, so values the registry keeps as raw JSON (a static JWKS) are walked like the rest.
        var node = JsonNode.Parse(RegistrySerializer.SerializeDocument(document))!;
        Walk(node, parentName: null);
        return node;
    }

    /// <summary>One stored item (<see cref="RegistryItem.Json"/>) as JSON, secrets hidden by the same rules, for diffs.</summary>
    public static JsonNode? RedactItem(string json)
    {
        var node = JsonNode.Parse(json);
        Walk(node, parentName: null);
        return node;
    }

    private static void Walk(JsonNode? node, string? parentName)
    {
        switch (node)
        {
            case JsonObject obj:
                var isJwk = obj.ContainsKey("kty");
                var freeForm = parentName is not null && FreeFormMaps.Contains(parentName);
                foreach (var name in obj.Select(member => member.Key).ToArray())
                {
                    var value = obj[name];
                    if (IsSecretField(name) || (isJwk && PrivateJwkMembers.Contains(name)) || (freeForm && CredentialEntry().IsMatch(name)) || HoldsPrivateKey(value))
                    {
                        obj[name] = Redacted;
                    }
                    else
                    {
                        Walk(value, name);
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    if (HoldsPrivateKey(array[i]))
                    {
                        array[i] = Redacted;
                    }
                    else
                    {
                        Walk(array[i], parentName);
                    }
                }

                break;
        }
    }

    private static bool IsSecretField(string name) =>
        name.Equals("hash", StringComparison.OrdinalIgnoreCase)
        || (SecretField().IsMatch(name) && !name.EndsWith("Setting", StringComparison.Ordinal));

    private static bool HoldsPrivateKey(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text.Contains("PRIVATE KEY-----", StringComparison.Ordinal);

    [GeneratedRegex("secret|password|passphrase|privatekey|signingkey|connectionstring|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretField();

    [GeneratedRegex("auth|cookie|key|token|secret|password|signature|session|credential", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialEntry();
}
