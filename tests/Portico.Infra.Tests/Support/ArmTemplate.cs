using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portico.Infra.Tests.Support;

/// <summary>
/// A compiled ARM template and, recursively, the templates of its modules: Bicep inlines each module as a
/// <c>Microsoft.Resources/deployments</c> resource whose <c>properties.template</c> is a template of its own.
/// Values may be ARM expressions such as <c>[parameters('x')]</c>; <see cref="Resolve"/> follows plain parameter
/// and variable references across module boundaries to a literal where there is one, and leaves every other
/// expression as it is, so tests assert on the compiled form honestly.
/// </summary>
internal sealed partial class ArmTemplate
{
    private ArmTemplate(JsonObject json, ArmResource? deployment, ArmTemplate? parent, string path)
    {
        Json = json;
        Deployment = deployment;
        Parent = parent;
        Path = path;
    }

    /// <summary>The template object.</summary>
    public JsonObject Json { get; }

    /// <summary>The deployment resource that embeds this template; null for the root template.</summary>
    public ArmResource? Deployment { get; }

    /// <summary>The template holding <see cref="Deployment"/>; null for the root template.</summary>
    public ArmTemplate? Parent { get; }

    /// <summary>Where the template sits, for example <c>main/gateway</c>.</summary>
    public string Path { get; }

    /// <summary>The template's outputs.</summary>
    public JsonObject Outputs => Json["outputs"] as JsonObject ?? [];

    /// <summary>Parses a compiled root template.</summary>
    public static ArmTemplate Parse(string json, string name) =>
        new(JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A template is a JSON object."), null, null, name);

    /// <summary>Resources declared directly in this template (an array, or an object in symbolic-name templates).</summary>
    public IEnumerable<ArmResource> OwnResources()
    {
        var resources = Json["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject symbolic => symbolic.Select(pair => pair.Value).OfType<JsonObject>(),
            _ => [],
        };
        return resources.Select(resource => new ArmResource(resource, this));
    }

    /// <summary>Every resource of this template and of every template nested in it, depth first.</summary>
    public IEnumerable<ArmResource> AllResources()
    {
        foreach (var resource in OwnResources())
        {
            yield return resource;
            if (resource.Json["properties"] is JsonObject properties && properties["template"] is JsonObject nested)
            {
                var child = new ArmTemplate(nested, resource, this, $"{Path}/{resource.Name}");
                foreach (var inner in child.AllResources())
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every resource of <paramref name="type"/>, at any depth.</summary>
    public IReadOnlyList<ArmResource> OfType(string type) =>
        AllResources().Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The one resource of <paramref name="type"/>; fails when there is none or several.</summary>
    public ArmResource Single(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>
    /// Follows <c>[parameters('x')]</c> and <c>[variables('x')]</c> to the value they stand for: a module's
    /// parameter to the value its caller passes (resolved in the caller), an unpassed one to its default.
    /// Anything else is returned unchanged.
    /// </summary>
    public JsonNode? Resolve(JsonNode? value)
    {
        if (value is JsonValue scalar && scalar.TryGetValue<string>(out var text))
        {
            var parameter = ParameterReference().Match(text);
            if (parameter.Success)
            {
                return Parameter(parameter.Groups["name"].Value);
            }

            var variable = VariableReference().Match(text);
            if (variable.Success)
            {
                return Resolve(Json["variables"]?[variable.Groups["name"].Value]
                    ?? throw new KeyNotFoundException($"{Path} declares no variable '{variable.Groups["name"].Value}'."));
            }
        }

        return value;
    }

    /// <summary>The value parameter <paramref name="name"/> takes when the root template runs with its defaults.</summary>
    public JsonNode? Parameter(string name)
    {
        if (Deployment is not null && Deployment.Json["properties"]?["parameters"]?[name] is { } passed)
        {
            // Bicep passes { "value": ... }, or one expression producing that object when the value is conditional.
            return passed is JsonObject wrapper && wrapper.TryGetPropertyValue("value", out var value) ? Parent!.Resolve(value) : passed;
        }

        var declared = Json["parameters"]?[name] ?? throw new KeyNotFoundException($"{Path} declares no parameter '{name}'.");
        return Resolve(declared["defaultValue"]);
    }

    /// <summary>Whether this template declares parameter <paramref name="name"/>.</summary>
    public bool DeclaresParameter(string name) => Json["parameters"]?[name] is not null;

    [GeneratedRegex(@"^\[parameters\('(?<name>[^']+)'\)\]$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)\]$")]
    private static partial Regex VariableReference();
}
