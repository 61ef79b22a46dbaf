using System.Text.RegularExpressions;

namespace Portico.GraphQL;

/// <summary>One field of a composed output type, with the subgraphs that can resolve it.</summary>
internal sealed class SupergraphField(string name, string typeText, string namedType, string argumentsText)
{
    public string Name { get; } = name;

    /// <summary>The field's type as written in SDL: <c>[Review!]!</c>.</summary>
    public string TypeText { get; } = typeText;

    /// <summary>The named type under any list and non-null wrappers: <c>Review</c>.</summary>
    public string NamedType { get; } = namedType;

    /// <summary>Whether the field itself is non-null (a null in it makes its parent null).</summary>
    public bool NonNull => TypeText.EndsWith('!');

    /// <summary>Whether items of a list field are non-null.</summary>
    public bool ItemsNonNull => TypeText.StartsWith('[') && TypeText.TrimEnd('!').EndsWith("!]", StringComparison.Ordinal);

    /// <summary>The argument definitions as written (<c>(first: Int = 5)</c>), or empty.</summary>
    public string ArgumentsText { get; } = argumentsText;

    /// <summary>Whether the field declares an argument named <paramref name="argument"/> (in <see cref="ArgumentsText"/>).</summary>
    public bool DeclaresArgument(string argument) =>
        Regex.IsMatch(ArgumentsText, $@"(?<![A-Za-z0-9_]){Regex.Escape(argument)}\s*:");

    /// <summary>The subgraphs that resolve the field, in the route's order.</summary>
    public List<Subgraph> Subgraphs { get; } = [];

    /// <summary>
    /// Per subgraph name, the fields of the parent a subgraph needs to resolve this field (Federation 2
    /// <c>@requires(fields: "…")</c>): the gateway reads them elsewhere and sends them in the representation.
    /// </summary>
    public Dictionary<string, string[]> Requires { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per subgraph name, fields of this field's type the subgraph returns with it although it marks them
    /// <c>@external</c> (Federation 2 <c>@provides(fields: "…")</c>).
    /// </summary>
    public Dictionary<string, string[]> Provides { get; } = new(StringComparer.Ordinal);
}
