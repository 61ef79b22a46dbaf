using System.Text.Json.Nodes;
using GraphQLParser.AST;

namespace Portico.GraphQL;

/// <summary>Turns a field's arguments (literals and variables) into JSON, for the placeholders of a REST call.</summary>
internal static class ArgumentValues
{
    /// <summary>The arguments of <paramref name="arguments"/> as a JSON object, variables read from <paramref name="variables"/>.</summary>
    public static JsonObject Of(GraphQLArguments? arguments, JsonObject? variables)
    {
        var result = new JsonObject();
        foreach (var argument in arguments?.Items ?? [])
        {
            result[argument.Name.StringValue] = Value(argument.Value, variables);
        }

        return result;
    }

    private static JsonNode? Value(GraphQLValue value, JsonObject? variables) => value switch
    {
        GraphQLVariable variable => variables?[variable.Name.StringValue]?.DeepClone(),
        GraphQLIntValue or GraphQLFloatValue => JsonNode.Parse(value is GraphQLIntValue i ? i.Value.ToString() : ((GraphQLFloatValue)value).Value.ToString()),
        GraphQLStringValue s => JsonValue.Create(s.Value.ToString()),
        GraphQLTrueBooleanValue => JsonValue.Create(true),
        GraphQLFalseBooleanValue => JsonValue.Create(false),
        GraphQLEnumValue e => JsonValue.Create(e.Name.StringValue),
        GraphQLListValue list => new JsonArray([.. (list.Values ?? []).Select(v => Value(v, variables))]),
        GraphQLObjectValue obj => new JsonObject((obj.Fields ?? []).Select(f => KeyValuePair.Create(f.Name.StringValue, Value(f.Value, variables)))),
        _ => null,
    };
}
