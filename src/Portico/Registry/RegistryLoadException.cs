using Portico.Configuration;

namespace Portico.Registry;

/// <summary>The registry could not be loaded at start-up: the process must say why and stop.</summary>
public sealed class RegistryLoadException : Exception
{
    /// <summary>Creates the exception from the configuration errors found.</summary>
    public RegistryLoadException(string source, IReadOnlyList<ConfigurationError> errors)
        : base($"The registry in {source} is invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception for a store that could not be read.</summary>
    public RegistryLoadException(string source, Exception inner)
        : base($"The registry in {source} could not be read: {inner.Message}", inner)
    {
        Errors = [];
    }

    /// <summary>Every problem found, located.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }
}
