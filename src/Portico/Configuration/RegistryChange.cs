namespace Portico.Configuration;

/// <summary>One difference between two registries.</summary>
/// <param name="Kind">The item kind, for example <c>route</c>.</param>
/// <param name="Id">The item id.</param>
/// <param name="Type">Added, removed or changed, seen from the current registry towards the desired one.</param>
public sealed record RegistryChange(string Kind, string Id, RegistryChangeType Type)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type switch { RegistryChangeType.Added => '+', RegistryChangeType.Removed => '-', _ => '~' }} {Kind} {Id}";
}
