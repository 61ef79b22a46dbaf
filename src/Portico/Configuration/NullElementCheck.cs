using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Portico.Configuration;

/// <summary>
/// Refuses a null element in every list of registry items (routes, backends, destinations, subgraphs, aggregate parts,
/// WAF exclusions…) and a null value in every map (headers, GraphQL fields…). <c>RespectNullableAnnotations</c> does
/// not look inside collections, so <c>"subgraphs": [ null ]</c> in JSON, or a YAML list entry with no value, would reach a
/// compiler as a null it trips over; this makes it a configuration error located at the object that holds the
/// collection. Lists of strings are refused earlier, at the element, by <see cref="StringListConverter"/>.
/// </summary>
internal static class NullElementCheck
{
    /// <summary>How the error's message starts, recognised by <see cref="RegistrySerializer"/> to keep the rest.</summary>
    public const string MessageStart = "null element: ";

    /// <summary>A type-info modifier: adds the check after deserialization to every object type with such a collection.</summary>
    public static void Modify(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        List<(string Name, Func<object, object?> Get, bool IsMap)>? checks = null;
        foreach (var property in info.Properties)
        {
            if (property.Get is { } get && KindOf(property.PropertyType) is { } isMap)
            {
                (checks ??= []).Add((property.Name, get, isMap));
            }
        }

        if (checks is null)
        {
            return;
        }

        var previous = info.OnDeserialized;
        info.OnDeserialized = value =>
        {
            foreach (var (name, get, isMap) in checks)
            {
                if (Describe(name, get(value), isMap) is { } problem)
                {
                    throw new JsonException(MessageStart + problem);
                }
            }

            previous?.Invoke(value);
        };
    }

    /// <summary>False for a list of references, true for a map with reference values, null for anything else.</summary>
    private static bool? KindOf(Type type)
    {
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        return definition == typeof(IReadOnlyList<>) && !arguments[0].IsValueType ? false
            : definition == typeof(IReadOnlyDictionary<,>) && !arguments[1].IsValueType ? true
            : null;
    }

    private static string? Describe(string name, object? collection, bool isMap)
    {
        if (isMap && collection is IDictionary map)
        {
            foreach (DictionaryEntry entry in map)
            {
                if (entry.Value is null)
                {
                    return $"'{name}': the value of '{entry.Key}' must not be null";
                }
            }
        }
        else if (!isMap && collection is IEnumerable list)
        {
            var index = 0;
            foreach (var item in list)
            {
                if (item is null)
                {
                    return $"'{name}': element {index} must not be null";
                }

                index++;
            }
        }

        return null;
    }
}
