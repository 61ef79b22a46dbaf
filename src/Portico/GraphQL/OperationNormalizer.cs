using GraphQLParser.AST;

namespace Portico.GraphQL;

/// <summary>
/// Turns a validated operation into <see cref="NormalizedOperation"/>: fragment spreads become inline fragments,
/// fragments at the root are flattened (their conditions move to the fields), and depth and aliases are counted
/// against the route's limits.
/// </summary>
internal sealed class OperationNormalizer(GraphQLDocument document, string source, int maxDepth, int maxAliases)
{
    private readonly Dictionary<string, GraphQLFragmentDefinition> _fragments = document.Definitions
        .OfType<GraphQLFragmentDefinition>()
        .ToDictionary(f => f.FragmentName.Name.StringValue, StringComparer.Ordinal);

    private int _aliases;
    private string? _error;

    /// <summary>Normalizes <paramref name="operation"/>; null with <paramref name="error"/> when it breaks a limit.</summary>
    public NormalizedOperation? Normalize(GraphQLOperationDefinition operation, out string? error)
    {
        var mutation = operation.Operation == OperationType.Mutation;
        var selections = Flatten(Selections(operation.SelectionSet, 1), []);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var defaults = new Dictionary<string, GraphQLValue>(StringComparer.Ordinal);
        foreach (var variable in operation.Variables?.Items ?? [])
        {
            variables[variable.Variable.Name.StringValue] = Slice(variable);
            if (variable.DefaultValue is { } value)
            {
                defaults[variable.Variable.Name.StringValue] = value;
            }
        }

        error = _error;
        if (error is null && _aliases > maxAliases)
        {
            error = $"the operation uses {_aliases} aliases; this endpoint allows at most {maxAliases}";
        }

        return error is not null ? null : new NormalizedOperation
        {
            Keyword = mutation ? "mutation" : "query",
            RootType = mutation ? Supergraph.MutationType : Supergraph.QueryType,
            Selections = selections,
            VariableDefinitions = variables,
            VariableDefaults = defaults,
            Introspects = selections.Any(s => s.FieldName is "__schema" or "__type"),
        };
    }

    private static List<SelectionNode> Flatten(IReadOnlyList<SelectionNode> selections, SelectionCondition[] inherited)
    {
        var flat = new List<SelectionNode>();
        foreach (var selection in selections)
        {
            if (selection.IsFragment)
            {
                flat.AddRange(Flatten(selection.Children, [.. inherited, .. selection.Conditions]));
            }
            else if (inherited.Length == 0)
            {
                flat.Add(selection);
            }
            else
            {
                flat.Add(new SelectionNode
                {
                    ResponseKey = selection.ResponseKey,
                    FieldName = selection.FieldName,
                    ArgumentsText = selection.ArgumentsText,
                    DirectivesText = selection.DirectivesText,
                    Arguments = selection.Arguments,
                    Conditions = [.. inherited, .. selection.Conditions],
                    Variables = selection.Variables,
                    Children = selection.Children,
                    HasSelectionSet = selection.HasSelectionSet,
                });
            }
        }

        return flat;
    }

    private List<SelectionNode> Selections(GraphQLSelectionSet? set, int depth)
    {
        var result = new List<SelectionNode>();
        foreach (var selection in set?.Selections ?? [])
        {
            if (_error is not null)
            {
                break;
            }

            switch (selection)
            {
                case GraphQLField field:
                    result.Add(Field(field, depth));
                    break;
                case GraphQLInlineFragment inline:
                    result.Add(Fragment(inline.TypeCondition?.Type.Name.StringValue, inline.Directives, inline.SelectionSet, depth));
                    break;
                case GraphQLFragmentSpread spread:
                    var fragment = _fragments[spread.FragmentName.Name.StringValue];
                    result.Add(Fragment(fragment.TypeCondition.Type.Name.StringValue, spread.Directives, fragment.SelectionSet, depth));
                    break;
            }
        }

        return result;
    }

    private SelectionNode Field(GraphQLField field, int depth)
    {
        if (depth > maxDepth && field.SelectionSet is not null)
        {
            _error = $"the operation is nested deeper than {maxDepth} levels, this endpoint's limit";
        }

        var name = field.Name.StringValue;
        var responseKey = field.Alias?.Name.StringValue ?? name;
        if (field.Alias is not null)
        {
            _aliases++;
            if (responseKey.StartsWith(SelectionNode.InternalPrefix, StringComparison.Ordinal))
            {
                _error = $"aliases starting with '{SelectionNode.InternalPrefix}' are reserved";
            }
        }

        var variables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var argument in field.Arguments?.Items ?? [])
        {
            CollectVariables(argument.Value, variables);
        }

        return new SelectionNode
        {
            ResponseKey = responseKey,
            FieldName = name,
            ArgumentsText = field.Arguments is { } args ? Slice(args) : "",
            DirectivesText = field.Directives is { } directives ? " " + Slice(directives) : "",
            Arguments = field.Arguments,
            Conditions = Conditions(field.Directives, variables),
            Variables = [.. variables],
            Children = field.SelectionSet is null ? [] : Selections(field.SelectionSet, depth + 1),
            HasSelectionSet = field.SelectionSet is not null,
        };
    }

    private SelectionNode Fragment(string? typeCondition, GraphQLDirectives? directives, GraphQLSelectionSet set, int depth)
    {
        var variables = new HashSet<string>(StringComparer.Ordinal);
        return new SelectionNode
        {
            IsFragment = true,
            TypeCondition = typeCondition,
            DirectivesText = directives is null ? "" : " " + Slice(directives),
            Conditions = Conditions(directives, variables),
            Variables = [.. variables],
            Children = Selections(set, depth),
        };
    }

    private static SelectionCondition[] Conditions(GraphQLDirectives? directives, HashSet<string> variables)
    {
        var conditions = new List<SelectionCondition>();
        foreach (var directive in directives?.Items ?? [])
        {
            foreach (var argument in directive.Arguments?.Items ?? [])
            {
                CollectVariables(argument.Value, variables);
            }

            var name = directive.Name.StringValue;
            if (name is not ("include" or "skip"))
            {
                continue;
            }

            var value = directive.Arguments?.Items.FirstOrDefault(a => a.Name.StringValue == "if")?.Value;
            conditions.Add(value is GraphQLVariable variable
                ? new SelectionCondition(name == "include", variable.Name.StringValue, false)
                : new SelectionCondition(name == "include", null, value is GraphQLTrueBooleanValue));
        }

        return [.. conditions];
    }

    private static void CollectVariables(GraphQLValue value, HashSet<string> variables)
    {
        switch (value)
        {
            case GraphQLVariable variable:
                variables.Add(variable.Name.StringValue);
                break;
            case GraphQLListValue list:
                foreach (var item in list.Values ?? [])
                {
                    CollectVariables(item, variables);
                }

                break;
            case GraphQLObjectValue obj:
                foreach (var field in obj.Fields ?? [])
                {
                    CollectVariables(field.Value, variables);
                }

                break;
        }
    }

    private string Slice(ASTNode node) => source[node.Location.Start..node.Location.End];
}
