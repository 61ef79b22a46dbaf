namespace Portico.Functions.TestHost;

/// <summary>How an invocation the host sent ended, as the worker answered it.</summary>
/// <param name="Succeeded">True when the function ran to completion.</param>
/// <param name="Failure">The worker's exception message when it did not.</param>
public sealed record InvocationResult(bool Succeeded, string? Failure);
