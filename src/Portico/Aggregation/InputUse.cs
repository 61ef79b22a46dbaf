namespace Portico.Aggregation;

/// <summary>Where a part puts a request input, for the checks made before any backend is called.</summary>
/// <param name="Input">The request input.</param>
/// <param name="Optional">Whether the placeholder allows a missing value (<c>{query.q?}</c>).</param>
/// <param name="Context">Where the value goes.</param>
internal readonly record struct InputUse(ValueReference Input, bool Optional, InputContext Context);
