namespace Portico.Configuration;

/// <summary>
/// Which client addresses may use a route: IP addresses or CIDR ranges (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>). A
/// client in <see cref="Deny"/> is refused; when <see cref="Allow"/> is not empty, so is every client outside it.
/// </summary>
public sealed record IpRestrictionDefinition
{
    /// <summary>Addresses or ranges that may call; everyone when empty or absent.</summary>
    public IReadOnlyList<string>? Allow { get; init; }

    /// <summary>Addresses or ranges that may not call, even when <see cref="Allow"/> includes them.</summary>
    public IReadOnlyList<string>? Deny { get; init; }
}
