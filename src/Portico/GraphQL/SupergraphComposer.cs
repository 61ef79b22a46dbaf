using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;

namespace Portico.GraphQL;

/// <summary>
/// Composes subgraph schemas into one <see cref="Supergraph"/> in the style of Apollo Federation 2: types of the same
/// name merge, a field may be resolved by several subgraphs when they agree on its type, and <c>@key(fields: "…")</c>
/// marks an entity a federated subgraph resolves through <c>_entities</c>. Errors name the subgraphs, types and fields.
/// </summary>
internal sealed class SupergraphComposer(Action<string, string> error)
{
    private static readonly HashSet<string> FederationTypes = new(StringComparer.Ordinal)
    {
        "_Service", "_Entity", "_Any", "FieldSet", "link__Import", "link__Purpose", "federation__FieldSet", "federation__Scope", "federation__Policy",
    };

    private static readonly string[] BuiltInScalars = ["String", "Int", "Float", "Boolean", "ID"];

    private readonly Dictionary<string, SupergraphType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, string Field), string> _fieldOwners = [];
    private readonly List<(string Subgraph, string Field, string Kind, string TypeName, SupergraphField Composed)> _fieldSets = [];
    private bool _failed;

    /// <summary>Adds <paramref name="subgraph"/>'s schema (<paramref name="sdl"/>); <paramref name="field"/> names the SDL in errors.</summary>
    public void Add(Subgraph subgraph, string sdl, string field)
    {
        GraphQLDocument document;
        try
        {
            document = Parser.Parse(sdl, new ParserOptions { Ignore = IgnoreOptions.Comments });
        }
        catch (GraphQLParserException ex)
        {
            // Any parser failure, not only syntax: an SDL nested deeper than the parser's limit (from the registry or a
            // subgraph's introspection answer) is a located error, never an exception out of the compiler.
            Error(field, $"subgraph '{subgraph.Name}': the SDL is not valid GraphQL: {ex.Description} at line {ex.Location.Line}, column {ex.Location.Column}");
            return;
        }

        foreach (var definition in document.Definitions)
        {
            switch (definition)
            {
                case GraphQLObjectTypeDefinition o:
                    AddComposite(subgraph, sdl, field, o.Name.StringValue, SupergraphTypeKind.Object, o.Fields?.Items, o.Interfaces?.Items, o.Directives?.Items);
                    break;
                case GraphQLObjectTypeExtension o:
                    AddComposite(subgraph, sdl, field, o.Name.StringValue, SupergraphTypeKind.Object, o.Fields?.Items, o.Interfaces?.Items, o.Directives?.Items);
                    break;
                case GraphQLInterfaceTypeDefinition i:
                    AddComposite(subgraph, sdl, field, i.Name.StringValue, SupergraphTypeKind.Interface, i.Fields?.Items, i.Interfaces?.Items, i.Directives?.Items);
                    break;
                case GraphQLInterfaceTypeExtension i:
                    AddComposite(subgraph, sdl, field, i.Name.StringValue, SupergraphTypeKind.Interface, i.Fields?.Items, i.Interfaces?.Items, i.Directives?.Items);
                    break;
                case GraphQLUnionTypeDefinition u:
                    if (TypeOf(subgraph, field, u.Name.StringValue, SupergraphTypeKind.Union) is { } union)
                    {
                        foreach (var member in u.Types?.Items ?? [])
                        {
                            union.Members.Add(member.Name.StringValue);
                        }
                    }

                    break;
                case GraphQLEnumTypeDefinition e:
                    if (TypeOf(subgraph, field, e.Name.StringValue, SupergraphTypeKind.Enum) is { } enumType)
                    {
                        foreach (var value in e.Values?.Items ?? [])
                        {
                            var name = value.Name.StringValue;
                            if (!enumType.Values.Contains(name))
                            {
                                enumType.Values.Add(name);
                            }
                        }
                    }

                    break;
                case GraphQLScalarTypeDefinition s:
                    if (!FederationTypes.Contains(s.Name.StringValue))
                    {
                        TypeOf(subgraph, field, s.Name.StringValue, SupergraphTypeKind.Scalar);
                    }

                    break;
                case GraphQLInputObjectTypeDefinition input:
                    if (TypeOf(subgraph, field, input.Name.StringValue, SupergraphTypeKind.InputObject) is { } inputType && inputType.Values.Count == 0)
                    {
                        foreach (var inputField in input.Fields?.Items ?? [])
                        {
                            inputType.Values.Add(Slice(sdl, inputField));
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Finishes composition: abstract types' possible types, keys and reachability checked. Null after reporting errors.
    /// </summary>
    public Supergraph? Compose(Subgraph[] subgraphs, string field)
    {
        if (_failed)
        {
            return null;
        }

        if (!_types.TryGetValue(Supergraph.QueryType, out var query) || query.Fields.Count == 0)
        {
            Error(field, "no subgraph defines a field of type Query");
            return null;
        }

        foreach (var scalar in BuiltInScalars)
        {
            _types.TryAdd(scalar, new SupergraphType(scalar, SupergraphTypeKind.Scalar));
        }

        foreach (var type in _types.Values)
        {
            if (type.Kind == SupergraphTypeKind.Object)
            {
                type.PossibleTypes.Add(type.Name);
                foreach (var name in type.Interfaces)
                {
                    if (_types.TryGetValue(name, out var implemented))
                    {
                        implemented.PossibleTypes.Add(type.Name);
                    }
                }
            }
            else if (type.Kind == SupergraphTypeKind.Union)
            {
                type.PossibleTypes.UnionWith(type.Members);
            }
        }

        foreach (var type in _types.Values)
        {
            foreach (var f in type.Fields.Values.Where(f => !_types.ContainsKey(f.NamedType)))
            {
                Error(field, $"field '{type.Name}.{f.Name}' (subgraph '{_fieldOwners[(type.Name, f.Name)]}') has type '{f.NamedType}', which no subgraph defines");
            }

            foreach (var (subgraph, keys) in type.Keys)
            {
                foreach (var key in keys.Where(k => !type.Fields.ContainsKey(k)))
                {
                    Error(field, $"subgraph '{subgraph}': the @key of '{type.Name}' names '{key}', which is not a field of '{type.Name}'");
                }
            }
        }

        foreach (var (subgraph, at, kind, typeName, composed) in _fieldSets)
        {
            // @requires names fields of the field's own type; @provides fields of the type it returns.
            var owner = kind == "requires" ? typeName : composed.NamedType;
            var names = kind == "requires" ? composed.Requires[subgraph] : composed.Provides[subgraph];
            foreach (var missing in names.Where(n => !_types.TryGetValue(owner, out var t) || !t.Fields.ContainsKey(n)))
            {
                Error(at, $"subgraph '{subgraph}': the @{kind} of '{typeName}.{composed.Name}' names '{missing}', which is not a field of '{owner}'");
            }
        }

        CheckReachable(field);
        return _failed ? null : new Supergraph(_types, subgraphs, _types.ContainsKey(Supergraph.MutationType));
    }

    private void CheckReachable(string field)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([Supergraph.QueryType]);
        if (_types.ContainsKey(Supergraph.MutationType))
        {
            queue.Enqueue(Supergraph.MutationType);
        }

        while (queue.TryDequeue(out var name))
        {
            if (!seen.Add(name) || !_types.TryGetValue(name, out var type))
            {
                continue;
            }

            foreach (var f in type.Fields.Values)
            {
                queue.Enqueue(f.NamedType);
            }

            foreach (var possible in type.PossibleTypes)
            {
                queue.Enqueue(possible);
            }
        }

        foreach (var type in _types.Values.Where(t => t.Kind == SupergraphTypeKind.Object && !seen.Contains(t.Name)))
        {
            Error(field, $"type '{type.Name}' (subgraphs {string.Join(", ", type.DefinedIn.Order().Select(s => $"'{s}'"))}) is unreachable: no field of Query or Mutation leads to it");
        }
    }

    private void AddComposite(
        Subgraph subgraph, string sdl, string field, string name, SupergraphTypeKind kind,
        List<GraphQLFieldDefinition>? fields, List<GraphQLNamedType>? interfaces, List<GraphQLDirective>? directives)
    {
        if (FederationTypes.Contains(name) || TypeOf(subgraph, field, name, kind) is not { } type)
        {
            return;
        }

        foreach (var implemented in interfaces ?? [])
        {
            type.Interfaces.Add(implemented.Name.StringValue);
        }

        var keys = new List<string>();
        foreach (var directive in directives ?? [])
        {
            if (directive.Name.StringValue != "key")
            {
                continue;
            }

            var fieldSet = directive.Arguments?.Items.FirstOrDefault(a => a.Name.StringValue == "fields")?.Value as GraphQLStringValue;
            var text = fieldSet?.Value.ToString() ?? "";
            if (FieldSet(text) is not { } set)
            {
                Error(field, $"subgraph '{subgraph.Name}': the @key of '{name}' must list one or more top-level fields (\"{text}\"); nested keys are not supported");
                continue;
            }

            // Several @key directives: the first is the one representations carry.
            if (keys.Count == 0)
            {
                keys.AddRange(set);
            }
        }

        if (keys.Count > 0)
        {
            if (subgraph.Kind == SubgraphKind.Plain)
            {
                Error(field, $"subgraph '{subgraph.Name}' is kind 'graphql', which has no _entities field: its @key on '{name}' cannot be resolved (use kind 'federated')");
            }

            type.Keys[subgraph.Name] = [.. keys];
        }

        foreach (var definition in fields ?? [])
        {
            var fieldName = definition.Name.StringValue;
            if (name == Supergraph.QueryType && fieldName is "_entities" or "_service")
            {
                continue;
            }

            var external = definition.Directives?.Items.Any(d => d.Name.StringValue == "external") == true;
            var typeText = TypeText(definition.Type);
            if (!type.Fields.TryGetValue(fieldName, out var composed))
            {
                var arguments = definition.Arguments is { } args ? Slice(sdl, args) : "";
                composed = new SupergraphField(fieldName, typeText, NamedType(definition.Type), arguments);
                type.Fields.Add(fieldName, composed);
                _fieldOwners[(name, fieldName)] = subgraph.Name;
            }
            else if (composed.TypeText != typeText)
            {
                Error(field, $"conflicting field types: '{name}.{fieldName}' is '{composed.TypeText}' in subgraph '{_fieldOwners[(name, fieldName)]}' and '{typeText}' in subgraph '{subgraph.Name}'");
                continue;
            }

            // An @external field is declared only to be read; a key field is always resolvable by a subgraph that
            // names it in @key, since representations carry it.
            if ((!external || keys.Contains(fieldName)) && !composed.Subgraphs.Contains(subgraph))
            {
                composed.Subgraphs.Add(subgraph);
            }

            AddFieldSets(subgraph, field, name, composed, definition.Directives?.Items);
        }
    }

    /// <summary>
    /// <c>@requires</c> and <c>@provides</c> of a field (Federation 2), top-level field sets only; their fields are checked
    /// against the composed types in <see cref="Compose"/>.
    /// </summary>
    private void AddFieldSets(Subgraph subgraph, string field, string typeName, SupergraphField composed, List<GraphQLDirective>? directives)
    {
        foreach (var directive in directives ?? [])
        {
            var kind = directive.Name.StringValue;
            if (kind is not ("requires" or "provides"))
            {
                continue;
            }

            var text = (directive.Arguments?.Items.FirstOrDefault(a => a.Name.StringValue == "fields")?.Value as GraphQLStringValue)?.Value.ToString() ?? "";
            if (FieldSet(text) is not { } set)
            {
                Error(field, $"subgraph '{subgraph.Name}': the @{kind} of '{typeName}.{composed.Name}' must list one or more top-level fields (\"{text}\"); nested field sets are not supported");
                continue;
            }

            if (subgraph.Kind != SubgraphKind.Federated)
            {
                Error(field, $"subgraph '{subgraph.Name}' is kind '{(subgraph.Kind == SubgraphKind.Rest ? "rest" : "graphql")}': @{kind} on '{typeName}.{composed.Name}' needs a federated subgraph");
                continue;
            }

            (kind == "requires" ? composed.Requires : composed.Provides)[subgraph.Name] = set;
            _fieldSets.Add((subgraph.Name, field, kind, typeName, composed));
        }
    }

    /// <summary>The fields of a top-level field set (<c>"id sku"</c>); null when empty or nested.</summary>
    private static string[]? FieldSet(string text) =>
        text.Contains('{') || text.Trim().Length == 0 ? null : text.Split([' ', ',', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private SupergraphType? TypeOf(Subgraph subgraph, string field, string name, SupergraphTypeKind kind)
    {
        if (!_types.TryGetValue(name, out var type))
        {
            type = new SupergraphType(name, kind);
            _types.Add(name, type);
        }
        else if (type.Kind != kind)
        {
            Error(field, $"type '{name}' is {Describe(type.Kind)} in subgraphs {string.Join(", ", type.DefinedIn.Select(s => $"'{s}'"))} but {Describe(kind)} in subgraph '{subgraph.Name}'");
            return null;
        }

        type.DefinedIn.Add(subgraph.Name);
        return type;
    }

    private static string Describe(SupergraphTypeKind kind) => kind switch
    {
        SupergraphTypeKind.Object => "an object type",
        SupergraphTypeKind.Interface => "an interface",
        SupergraphTypeKind.Union => "a union",
        SupergraphTypeKind.Enum => "an enum",
        SupergraphTypeKind.Scalar => "a scalar",
        _ => "an input type",
    };

    /// <summary>The SDL text of a type reference: <c>[Review!]!</c>.</summary>
    public static string TypeText(GraphQLType type) => type switch
    {
        GraphQLNonNullType nonNull => TypeText(nonNull.Type) + "!",
        GraphQLListType list => "[" + TypeText(list.Type) + "]",
        GraphQLNamedType named => named.Name.StringValue,
        _ => "",
    };

    private static string NamedType(GraphQLType type) => type switch
    {
        GraphQLNonNullType nonNull => NamedType(nonNull.Type),
        GraphQLListType list => NamedType(list.Type),
        GraphQLNamedType named => named.Name.StringValue,
        _ => "",
    };

    private static string Slice(string source, ASTNode node) => source[node.Location.Start..node.Location.End];

    private void Error(string field, string message)
    {
        _failed = true;
        error(field, message);
    }
}
