namespace Portico.Discovery;

/// <summary>What a probe result changed about a destination's availability.</summary>
internal enum ActiveHealthTransition
{
    /// <summary>Nothing that changes whether it is chosen.</summary>
    None,

    /// <summary>It is now unhealthy and no longer chosen.</summary>
    BecameUnhealthy,

    /// <summary>It was unhealthy and is chosen again.</summary>
    BecameHealthy,
}
