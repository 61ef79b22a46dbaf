using Portico.Configuration;

namespace Portico.Registry;

/// <summary>What a store read: the document (or why it could not be read) and how to locate errors in it.</summary>
public sealed class RegistryLoadResult
{
    /// <summary>A readable document.</summary>
    public RegistryLoadResult(RegistryDocument document, string revision, Func<string, string?> locate, Func<string, string>? redact = null)
    {
        Document = document;
        Revision = revision;
        Locate = locate;
        Redact = redact ?? (message => message);
        Errors = [];
    }

    /// <summary>An unreadable one.</summary>
    public RegistryLoadResult(string revision, IReadOnlyList<ConfigurationError> errors)
    {
        Revision = revision;
        Errors = errors;
        Locate = _ => null;
        Redact = message => message;
    }

    /// <summary>The document; null when <see cref="Errors"/> is not empty.</summary>
    public RegistryDocument? Document { get; }

    /// <summary>The revision marker read together with the content.</summary>
    public string Revision { get; }

    /// <summary>The folder that relative paths in the document (schema and OpenAPI files) are read from; null for the working directory.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Syntax and shape errors, already located.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }

    /// <summary>Maps a JSON path in <see cref="Document"/> to a location (file line, table entity).</summary>
    public Func<string, string?> Locate { get; }

    /// <summary>
    /// Hides, in a message about <see cref="Document"/>, the values the store took from the environment (the file's
    /// <c>${NAME}</c> references), showing their <c>${NAME}</c> instead. The identity for stores without references.
    /// </summary>
    public Func<string, string> Redact { get; }
}
