using Portico.Configuration;

namespace Portico.Registry;

/// <summary>Collects errors while compiling a registry, each tied to the item and field at fault.</summary>
internal sealed class CompileErrors
{
    private readonly List<ConfigurationError> _errors = [];

    public IReadOnlyList<ConfigurationError> All => _errors;

    public int Count => _errors.Count;

    /// <summary>Records an error on item <paramref name="index"/> of <paramref name="member"/> (for example <c>routes</c>).</summary>
    public void Add(string member, int index, string subject, string field, string message) =>
        _errors.Add(new ConfigurationError(
            field.Length == 0 ? $"$.{member}[{index}]" : $"$.{member}[{index}].{field}",
            subject,
            field,
            message));

    /// <summary>Records an error on a whole section (<paramref name="member"/>, for example <c>authPolicies</c>) rather than one of its items.</summary>
    public void AddSection(string member, string message) =>
        _errors.Add(new ConfigurationError($"$.{member}", "", member, message));
}
