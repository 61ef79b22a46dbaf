using System.Text.Json.Nodes;

namespace Portico.Infra.Tests.Support;

/// <summary>One resource of a compiled template, with the template it belongs to (for resolving its values).</summary>
internal sealed class ArmResource(JsonObject json, ArmTemplate template)
{
    /// <summary>The resource object as compiled.</summary>
    public JsonObject Json { get; } = json;

    /// <summary>The template declaring the resource.</summary>
    public ArmTemplate Template { get; } = template;

    /// <summary>The resource type, for example <c>Microsoft.Web/sites</c>.</summary>
    public string Type => Json["type"]?.GetValue<string>() ?? "";

    /// <summary>The name as compiled (often an expression).</summary>
    public string Name => Json["name"]?.GetValue<string>() ?? "";

    /// <summary>The value at a dotted <paramref name="path"/> such as <c>properties.siteConfig.ftpsState</c>, as compiled.</summary>
    public JsonNode? Get(string path)
    {
        JsonNode? node = Json;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[segment] : null;
        }

        return node;
    }

    /// <summary>The value at <paramref name="path"/> with parameter and variable references followed.</summary>
    public JsonNode? Resolved(string path) => Template.Resolve(Get(path));
}
