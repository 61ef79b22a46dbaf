namespace Portico.Configuration;

/// <summary>One item of the registry in its stored form: kind, id and canonical compact JSON.</summary>
/// <param name="Kind">The section's kind, for example <c>route</c> (the Table storage partition key).</param>
/// <param name="Id">The item id (the row key).</param>
/// <param name="Json">The canonical JSON of the definition.</param>
public sealed record RegistryItem(string Kind, string Id, string Json);
