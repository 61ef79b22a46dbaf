namespace Portico.Configuration;

/// <summary>One difference between two registries.</summary>
/// <param name="Kind">The item kind, for example <c>route</c>.</param>
/// <param name="Id">The item id.</param>
/// <param name="Type">Added, removed or changed, seen from the current registry towards the desired one.</param>
public sealed record RegistryChange(string Kind, string Id, RegistryChangeType Type)
{
    /// <summary>The item as it was (removed and changed items), in canonical JSON.</summary>
    public string? OldJson { get; init; }

    /// <summary>The item as it will be (added and changed items), in canonical JSON.</summary>
    public string? NewJson { get; init; }

    /// <summary>Equal when they name the same item and the same kind of change; the details follow from the two registries.</summary>
    public bool Equals(RegistryChange? other) =>
        other is not null && Kind == other.Kind && Id == other.Id && Type == other.Type;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Id, Type);

    /// <inheritdoc />
    public override string ToString() => $"{Type switch { RegistryChangeType.Added => '+', RegistryChangeType.Removed => '-', _ => '~' }} {Kind} {Id}";
}
