using Json.Schema;

namespace Portico.Validation;

/// <summary>
/// The JSON Schema dialects Portico builds schemas with: the library's 2020-12, 2019-09, draft 7 and draft 6, each
/// with <c>pattern</c> and <c>patternProperties</c> matched in linear time. A schema's <c>$schema</c> picks one;
/// 2020-12 is the default. Each compilation gets its own schema registry, so a reload leaves nothing behind.
/// </summary>
internal static class SchemaDialects
{
    private static readonly Dialect[] All =
    [
        Linear(Dialect.Draft202012),
        Linear(Dialect.Draft201909),
        Linear(Dialect.Draft07),
        Linear(Dialect.Draft06),
    ];

    /// <summary>Fresh build options: the linear dialects and an empty registry of schemas.</summary>
    public static BuildOptions CreateBuildOptions()
    {
        var dialects = new DialectRegistry();
        foreach (var dialect in All)
        {
            dialects.Register(dialect);
        }

        return new BuildOptions { Dialect = All[0], DialectRegistry = dialects, SchemaRegistry = new SchemaRegistry() };
    }

    // With replaces the handlers of the same names; the keywords that depend on them (additionalProperties) still find them.
    private static Dialect Linear(Dialect dialect) =>
        dialect.With([new LinearPatternKeyword(), new LinearPatternPropertiesKeyword()], dialect.Id, null, null);
}
