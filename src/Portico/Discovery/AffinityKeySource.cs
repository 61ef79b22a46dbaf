namespace Portico.Discovery;

/// <summary>What consistent hashing keys a request on (<c>loadBalancing.hashOn</c>).</summary>
internal enum AffinityKeySource
{
    /// <summary>The client's address, as resolved through trusted proxies.</summary>
    ClientIp,

    /// <summary>A request header's value (<c>loadBalancing.header</c>).</summary>
    Header,

    /// <summary>The authenticated consumer's id.</summary>
    Consumer,
}
