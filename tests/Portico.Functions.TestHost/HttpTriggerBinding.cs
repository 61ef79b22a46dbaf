namespace Portico.Functions.TestHost;

/// <summary>A function's <c>httpTrigger</c> binding, as its raw binding JSON describes it.</summary>
/// <param name="Name">The binding's name (the trigger parameter; the invocation's input data carries it).</param>
/// <param name="Route">The route template; the function's name when the binding has none.</param>
/// <param name="Methods">The allowed methods, upper case; null for every method.</param>
/// <param name="AuthLevel">The authorization level (<c>anonymous</c>, <c>function</c>, <c>admin</c>), lower case.</param>
internal sealed record HttpTriggerBinding(string Name, string Route, IReadOnlySet<string>? Methods, string AuthLevel);
