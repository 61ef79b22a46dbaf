using System.Text;

namespace Portico.GraphQL;

/// <summary>
/// The composed schema of a GraphQL route: every subgraph's types merged, each field knowing the subgraphs that resolve
/// it, each entity its keys per subgraph. Built once per registry snapshot by <see cref="SupergraphComposer"/>.
/// </summary>
internal sealed class Supergraph(Dictionary<string, SupergraphType> types, Subgraph[] subgraphs, bool hasMutation)
{
    public const string QueryType = "Query";
    public const string MutationType = "Mutation";

    public Dictionary<string, SupergraphType> Types { get; } = types;

    public Subgraph[] Subgraphs { get; } = subgraphs;

    public bool HasMutation { get; } = hasMutation;

    /// <summary>The schema clients see, in SDL (no federation directives or fields).</summary>
    public string Sdl { get; } = Print(types);

    /// <summary>The field <paramref name="type"/>.<paramref name="field"/>, or null.</summary>
    public SupergraphField? Field(string type, string field) =>
        Types.TryGetValue(type, out var t) && t.Fields.TryGetValue(field, out var f) ? f : null;

    /// <summary>Whether an object of type <paramref name="concrete"/> is a <paramref name="condition"/>.</summary>
    public bool Satisfies(string concrete, string condition) =>
        concrete == condition || (Types.TryGetValue(condition, out var t) && t.PossibleTypes.Contains(concrete));

    private static string Print(Dictionary<string, SupergraphType> types)
    {
        var sdl = new StringBuilder();
        foreach (var type in types.Values)
        {
            switch (type.Kind)
            {
                case SupergraphTypeKind.Scalar:
                    if (type.Name is not ("String" or "Int" or "Float" or "Boolean" or "ID"))
                    {
                        sdl.Append("scalar ").Append(type.Name).Append("\n\n");
                    }

                    break;
                case SupergraphTypeKind.Enum or SupergraphTypeKind.InputObject:
                    sdl.Append(type.Kind == SupergraphTypeKind.Enum ? "enum " : "input ").Append(type.Name).Append(" {\n");
                    foreach (var value in type.Values)
                    {
                        sdl.Append("  ").Append(value).Append('\n');
                    }

                    sdl.Append("}\n\n");
                    break;
                case SupergraphTypeKind.Union:
                    sdl.Append("union ").Append(type.Name).Append(" = ").AppendJoin(" | ", type.Members).Append("\n\n");
                    break;
                default:
                    sdl.Append(type.Kind == SupergraphTypeKind.Interface ? "interface " : "type ").Append(type.Name);
                    if (type.Interfaces.Count > 0)
                    {
                        sdl.Append(" implements ").AppendJoin(" & ", type.Interfaces);
                    }

                    sdl.Append(" {\n");
                    foreach (var field in type.Fields.Values)
                    {
                        sdl.Append("  ").Append(field.Name).Append(field.ArgumentsText).Append(": ").Append(field.TypeText).Append('\n');
                    }

                    sdl.Append("}\n\n");
                    break;
            }
        }

        return sdl.ToString();
    }
}
