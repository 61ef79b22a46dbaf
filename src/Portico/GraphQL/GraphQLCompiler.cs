using System.Text.RegularExpressions;
using GraphQL.Types;
using Portico.Aggregation;
using Portico.Configuration;
using Portico.Proxy;
using Portico.Registry;

namespace Portico.GraphQL;

/// <summary>
/// Validates a GraphQL route and compiles it into a <see cref="GraphQLDispatcher"/>: each subgraph (name, backend,
/// kind, path, SDL, REST fields), then the composition (<see cref="SupergraphComposer"/>), then the composed schema as
/// GraphQL.NET reads it. Errors name the route, the subgraph and the field. Runs once per snapshot, never per request.
/// </summary>
internal sealed partial class GraphQLCompiler(GraphQLRuntime runtime)
{
    /// <summary>Compiles <paramref name="definition"/>; null after reporting every problem to <paramref name="error"/>.</summary>
    public GraphQLDispatcher? Compile(
        RouteDefinition route, GraphQLDefinition definition, IReadOnlyDictionary<string, CompiledBackend> backends,
        string? baseDirectory, Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error(field, message);
        }

        if (definition.Subgraphs.Count == 0)
        {
            Error("graphql.subgraphs", "a GraphQL route needs at least one subgraph");
            return null;
        }

        var composer = new SupergraphComposer(Error);
        var subgraphs = new List<Subgraph>();
        var sdls = new List<(Subgraph Subgraph, GraphQLSubgraphDefinition Item, int Index, Task<(string? Sdl, string? Error)> Sdl)>();
        using var deadline = new CancellationTokenSource(GraphQLLimits.IntrospectionTimeout, runtime.TimeProvider);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < definition.Subgraphs.Count; i++)
        {
            var item = definition.Subgraphs[i];
            var at = $"graphql.subgraphs[{i}]";
            if (!SubgraphName().IsMatch(item.Name))
            {
                Error(at + ".name", $"'{item.Name}' is not a subgraph name: 1 to 64 letters, digits, '_' or '-', starting with a letter");
                continue;
            }

            if (!names.Add(item.Name))
            {
                Error(at + ".name", $"duplicate subgraph name '{item.Name}'");
                continue;
            }

            if (!backends.TryGetValue(item.Backend, out var backend))
            {
                Error(at + ".backend", $"subgraph '{item.Name}': unknown backend '{item.Backend}'");
                continue;
            }

            SubgraphKind? kind = item.Kind switch
            {
                null or "federated" => SubgraphKind.Federated,
                "graphql" => SubgraphKind.Plain,
                "rest" => SubgraphKind.Rest,
                _ => null,
            };
            if (kind is null)
            {
                Error(at + ".kind", $"subgraph '{item.Name}': '{item.Kind}' is not 'federated', 'graphql' or 'rest'");
                continue;
            }

            var path = item.Path ?? "/graphql";
            if (!path.StartsWith('/') || path.Contains('{') || path.Contains('#'))
            {
                Error(at + ".path", $"subgraph '{item.Name}': '{path}' is not a literal path starting with '/'");
                continue;
            }

            if (kind != SubgraphKind.Rest && item.Fields is not null)
            {
                Error(at + ".fields", $"subgraph '{item.Name}': only 'rest' subgraphs declare REST fields");
            }

            if (item.Introspect == true && kind == SubgraphKind.Rest)
            {
                Error(at + ".introspect", $"subgraph '{item.Name}': a 'rest' subgraph declares its SDL ('sdl' or 'sdlFile')");
                continue;
            }

            var subgraph = new Subgraph(item.Name, kind.Value, backend, backend.UriFor(kind == SubgraphKind.Rest ? "/" : path));
            var sdl = item is { Introspect: true, Sdl: null, SdlFile: null } ? SubgraphIntrospection.ReadAsync(backend, subgraph.Endpoint, kind == SubgraphKind.Federated, deadline.Token) : ReadSdl(item, at, baseDirectory, Error);
            subgraphs.Add(subgraph);
            sdls.Add((subgraph, item, i, sdl));
        }

        // Every introspected schema is read at once, within one bound (compilation runs once per registry load, never
        // per request, so it waits for them here); the composer then takes them in the route's order.
        var texts = Task.WhenAll(sdls.Select(s => s.Sdl)).GetAwaiter().GetResult();
        if (failed)
        {
            return null;
        }

        for (int n = 0; n < sdls.Count; n++)
        {
            var (subgraph, item, i, _) = sdls[n];
            var at = $"graphql.subgraphs[{i}]";
            if (texts[n].Error is { } introspectionError)
            {
                Error(at + ".introspect", $"subgraph '{item.Name}': its schema cannot be read by introspection: {introspectionError}");
            }
            else if (texts[n].Sdl is { } text)
            {
                composer.Add(subgraph, text, at + (item.Introspect == true ? ".introspect" : item.Sdl is null ? ".sdlFile" : ".sdl"));
            }
        }

        if (failed)
        {
            return null;
        }

        var graph = composer.Compose([.. subgraphs], "graphql.subgraphs");
        if (graph is null)
        {
            return null;
        }

        foreach (var (subgraph, item, i, _) in sdls.Where(s => s.Subgraph.Kind == SubgraphKind.Rest))
        {
            CompileRestFields(graph, subgraph, item, $"graphql.subgraphs[{i}]", Error);
        }

        var state = CompileState(route, definition, graph, Error);
        return failed || state is null ? null : new GraphQLDispatcher(state);
    }

    private GraphQLRouteState? CompileState(RouteDefinition route, GraphQLDefinition definition, Supergraph graph, Action<string, string> error)
    {
        var timeout = GraphQLLimits.DefaultTimeout;
        if (definition.Timeout is { } text && (!Duration.TryParse(text, out timeout) || timeout <= TimeSpan.Zero || timeout > RegistryCompiler.MaxActivityTimeout))
        {
            error("graphql.timeout", $"'{text}' is not a duration between 1ms and {Duration.Format(RegistryCompiler.MaxActivityTimeout)}");
        }

        if (definition.MaxDepth is < 1 or > 100)
        {
            error("graphql.maxDepth", "must be between 1 and 100");
        }

        if (definition.MaxAliases is < 0 or > 1000)
        {
            error("graphql.maxAliases", "must be between 0 and 1000");
        }

        if (definition.SubgraphErrors is not (null or "pass" or "mask"))
        {
            error("graphql.subgraphErrors", "must be 'pass' or 'mask'");
        }

        if (definition.RateLimitBy is not (null or "requests" or "cost"))
        {
            error("graphql.rateLimitBy", "must be 'requests' or 'cost'");
        }

        if (definition.MaxCost is < 1)
        {
            error("graphql.maxCost", "must be 1 or more");
        }

        foreach (var (key, cost) in definition.FieldCosts ?? new Dictionary<string, int>())
        {
            var dot = key.IndexOf('.');
            if (dot <= 0 || graph.Field(key[..dot], key[(dot + 1)..]) is null)
            {
                error("graphql.fieldCosts", $"'{key}' is not a field of the composed schema (write 'Type.field')");
            }
            else if (cost is < 0 or > 1_000_000)
            {
                error("graphql.fieldCosts", $"the cost of '{key}' must be between 0 and 1000000");
            }
        }

        if (definition.DefaultListSize is < 0 or > GraphQLLimits.MaxListSize)
        {
            error("graphql.defaultListSize", $"must be between 0 and {GraphQLLimits.MaxListSize}");
        }

        var listSizes = CompileListSizes(definition.ListSizes, graph, error);
        var persisted = CompilePersistedQueries(definition.PersistedQueries, error);
        ISchema schema;
        try
        {
            // The schema only validates and answers introspection: abstract types never resolve a value here.
            schema = Schema.For(graph.Sdl, builder =>
            {
                foreach (var type in graph.Types.Values.Where(t => t.IsAbstract))
                {
                    builder.Types.For(type.Name).ResolveType = _ => null!;
                }
            });
            schema.Initialize();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException)
        {
            error("graphql.subgraphs", $"the composed schema is not valid: {ex.Message}");
            return null;
        }

        return new GraphQLRouteState(route.Id, graph, schema, runtime)
        {
            Timeout = timeout,
            MaxDepth = definition.MaxDepth ?? GraphQLLimits.DefaultMaxDepth,
            MaxAliases = definition.MaxAliases ?? GraphQLLimits.DefaultMaxAliases,
            Introspection = definition.Introspection ?? true,
            MaskErrors = definition.SubgraphErrors == "mask",
            MaxCost = definition.MaxCost,
            FieldCosts = definition.FieldCosts ?? new Dictionary<string, int>(),
            RateLimitByCost = definition.RateLimitBy == "cost",
            ListSizes = listSizes,
            DefaultListSize = definition.DefaultListSize,
            PersistedQueries = persisted,
        };
    }

    /// <summary>
    /// <c>listSizes</c>: each names a list field of the composed schema (or a connection with <c>sizedFields</c>), its
    /// slicing arguments are arguments of that field, and its sized fields fields of its type.
    /// </summary>
    private static Dictionary<string, ListSizeRule> CompileListSizes(IReadOnlyDictionary<string, GraphQLListSizeDefinition>? definitions, Supergraph graph, Action<string, string> error)
    {
        var rules = new Dictionary<string, ListSizeRule>(StringComparer.Ordinal);
        foreach (var (key, item) in definitions ?? new Dictionary<string, GraphQLListSizeDefinition>())
        {
            var at = "graphql.listSizes." + key;
            var dot = key.IndexOf('.');
            var field = dot > 0 ? graph.Field(key[..dot], key[(dot + 1)..]) : null;
            if (field is null)
            {
                error(at, $"'{key}' is not a field of the composed schema (write 'Type.field')");
                continue;
            }

            var sized = item.SizedFields ?? [];
            var failed = false;
            if (sized.Count == 0 && !field.TypeText.StartsWith('['))
            {
                error(at, $"'{key}' is '{field.TypeText}', not a list: name the list fields of a connection in 'sizedFields'");
                failed = true;
            }

            if (item.AssumedSize is < 0 or > GraphQLLimits.MaxListSize)
            {
                error(at + ".assumedSize", $"must be between 0 and {GraphQLLimits.MaxListSize}");
                failed = true;
            }

            foreach (var argument in (item.SlicingArguments ?? []).Where(a => !field.DeclaresArgument(a)))
            {
                error(at + ".slicingArguments", $"'{key}' has no argument '{argument}'");
                failed = true;
            }

            foreach (var name in sized.Where(n => graph.Field(field.NamedType, n) is null))
            {
                error(at + ".sizedFields", $"'{field.NamedType}' has no field '{name}'");
                failed = true;
            }

            if (!failed)
            {
                rules[key] = new ListSizeRule(item.AssumedSize ?? -1, [.. item.SlicingArguments ?? []], [.. sized]);
            }
        }

        return rules;
    }

    /// <summary><c>persistedQueries</c>: a mode, and documents keyed by the SHA-256 of their text.</summary>
    private static PersistedQueries CompilePersistedQueries(GraphQLPersistedQueriesDefinition? definition, Action<string, string> error)
    {
        if (definition is null)
        {
            return new PersistedQueries(PersistedQueryMode.Off, new Dictionary<string, string>());
        }

        PersistedQueryMode mode = PersistedQueryMode.Off;
        if (definition.Mode is "apq" or "allowList")
        {
            mode = definition.Mode == "apq" ? PersistedQueryMode.Apq : PersistedQueryMode.AllowList;
        }
        else
        {
            error("graphql.persistedQueries.mode", "must be 'apq' or 'allowList'");
        }

        var documents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (hash, document) in definition.Documents ?? new Dictionary<string, string>())
        {
            if (PersistedQueries.Hash(document) != hash)
            {
                error($"graphql.persistedQueries.documents.{hash}", $"the key must be the lowercase hex SHA-256 of the document, {PersistedQueries.Hash(document)}");
            }
            else
            {
                documents[hash] = document;
            }
        }

        if (mode == PersistedQueryMode.AllowList && documents.Count == 0)
        {
            error("graphql.persistedQueries.documents", "an allow-list needs at least one document");
        }

        return new PersistedQueries(mode, documents);
    }

    /// <summary>The stored SDL of a subgraph (<c>sdl</c> or <c>sdlFile</c>); no SDL after reporting the problem.</summary>
    private static Task<(string? Sdl, string? Error)> ReadSdl(GraphQLSubgraphDefinition item, string at, string? baseDirectory, Action<string, string> error)
    {
        var none = Task.FromResult<(string?, string?)>((null, null));
        if ((item.Sdl is null ? 0 : 1) + (item.SdlFile is null ? 0 : 1) + (item.Introspect == true ? 1 : 0) != 1)
        {
            error(at, $"subgraph '{item.Name}': set exactly one of 'sdl', 'sdlFile' and 'introspect: true'");
            return none;
        }

        if (item.Sdl is { } sdl)
        {
            return Task.FromResult<(string?, string?)>((sdl, null));
        }

        var path = Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), item.SdlFile!);
        try
        {
            return Task.FromResult<(string?, string?)>((File.ReadAllText(path), null));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error(at + ".sdlFile", $"subgraph '{item.Name}': '{item.SdlFile}' cannot be read ({ex.GetType().Name})");
            return none;
        }
    }

    /// <summary>A <c>rest</c> subgraph's <c>fields</c>: each names a field of its SDL; every root field it defines has one.</summary>
    private static void CompileRestFields(Supergraph graph, Subgraph subgraph, GraphQLSubgraphDefinition item, string at, Action<string, string> error)
    {
        foreach (var (key, field) in item.Fields ?? new Dictionary<string, GraphQLRestFieldDefinition>())
        {
            var fieldAt = $"{at}.fields.{key}";
            var dot = key.IndexOf('.');
            var typeName = dot > 0 ? key[..dot] : "";
            var fieldName = dot > 0 ? key[(dot + 1)..] : "";
            var composed = graph.Field(typeName, fieldName);
            if (composed is null || !composed.Subgraphs.Contains(subgraph))
            {
                error(fieldAt, $"subgraph '{subgraph.Name}': '{key}' is not a field its SDL defines (write 'Type.field')");
                continue;
            }

            var parentFields = new List<string>();
            var template = ValueTemplate.Parse(field.Path, isUrl: true, placeholder => Bind(placeholder, graph.Types[typeName], composed, parentFields, message => error(fieldAt + ".path", $"subgraph '{subgraph.Name}': {message}")),
                message => error(fieldAt + ".path", $"subgraph '{subgraph.Name}': {message}"));
            JsonPathSelector? pointer = null;
            if (field.Pointer is { } pointerText && (pointer = JsonPathSelector.ParsePointer(pointerText, out var pointerError)) is null)
            {
                error(fieldAt + ".pointer", $"subgraph '{subgraph.Name}': {pointerError}");
            }

            RestBatch? batch = null;
            if (field.Batch is { } batchDefinition)
            {
                if (typeName is Supergraph.QueryType or Supergraph.MutationType)
                {
                    error(fieldAt + ".batch", $"subgraph '{subgraph.Name}': a root field has no parents to batch");
                    continue;
                }

                batch = RestBatch.Compile(batchDefinition, graph.Types[typeName], composed, (member, message) => error($"{fieldAt}.{member}", $"subgraph '{subgraph.Name}': {message}"));
                if (batch is null)
                {
                    continue;
                }

                parentFields.Add(batch.ParentField);
            }

            if (template is not null)
            {
                subgraph.RestFields[key] = new RestFieldResolver(typeName, fieldName, template, pointer, [.. parentFields.Distinct()], batch);
            }
        }

        foreach (var rootType in new[] { Supergraph.QueryType, Supergraph.MutationType })
        {
            if (!graph.Types.TryGetValue(rootType, out var root))
            {
                continue;
            }

            foreach (var field in root.Fields.Values.Where(f => f.Subgraphs.Contains(subgraph) && subgraph.RestFor(rootType, f.Name) is null))
            {
                error(at + ".fields", $"subgraph '{subgraph.Name}': root field '{rootType}.{field.Name}' has no REST call in 'fields'");
            }
        }
    }

    private static ValueReference? Bind(Placeholder placeholder, SupergraphType type, SupergraphField field, List<string> parentFields, Action<string> error)
    {
        if (placeholder.Source is not ("args" or "parent") || !placeholder.HasRest || placeholder.IsPointer)
        {
            error($"'{placeholder.Text}': REST fields read '{{args.NAME}}' (an argument) or '{{parent.FIELD}}' (a field of the parent object)");
            return null;
        }

        var path = JsonPathSelector.ParseDotted(placeholder.Rest, out var pathError);
        if (path is null)
        {
            error($"'{placeholder.Text}': {pathError}");
            return null;
        }

        if (placeholder.Source == "parent")
        {
            var name = placeholder.Rest.Split('.')[0];
            if (type.Name is Supergraph.QueryType or Supergraph.MutationType || !type.Fields.ContainsKey(name))
            {
                error($"'{placeholder.Text}': '{type.Name}' has no field '{name}' to read");
                return null;
            }

            parentFields.Add(name);
        }
        else if (placeholder.Rest.Split('.')[0] is var argument && !field.DeclaresArgument(argument))
        {
            // Caught here rather than on every call: the template could never be filled.
            error($"'{placeholder.Text}': '{type.Name}.{field.Name}' has no argument '{argument}'");
            return null;
        }

        return new ValueReference
        {
            Source = ValueSource.Part,
            PartIndex = placeholder.Source == "parent" ? RestValues.ParentIndex : RestValues.ArgumentsIndex,
            Path = path,
            Description = placeholder.Source == "parent" ? $"parent field '{placeholder.Rest}'" : $"argument '{placeholder.Rest}'",
        };
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex SubgraphName();
}
