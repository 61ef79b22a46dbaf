using System.Runtime.CompilerServices;
using Microsoft.Extensions.Primitives;
using Portico.Concurrency;

namespace Portico.Pipeline;

/// <summary>
/// The part of <see cref="GatewayContext"/> that most requests never set (a cache's outcome, a problem answer, a
/// Portico endpoint's sub-path, a <c>Connection</c> header, destination picks, a third held slot), created on first
/// use so that a plain proxied request does not carry its fields (issue 25, allocation per request).
/// </summary>
internal sealed class GatewayContextRareState
{
    public string? CacheOutcome { get; set; }

    public Problems.Problem? Problem { get; set; }

    public bool IsPorticoEndpoint { get; set; }

    public string? EndpointSubpath { get; set; }

    public StringValues ConnectionHeader { get; set; }

    public Discovery.DestinationPicks? DestinationPicks { get; set; }

    /// <summary>Slots held beyond the two <see cref="GatewayContext"/> keeps inline.</summary>
    public List<StrongBox<ConcurrencyGate>>? HeldMore { get; set; }
}
