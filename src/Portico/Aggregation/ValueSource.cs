namespace Portico.Aggregation;

/// <summary>Where a placeholder's value comes from.</summary>
internal enum ValueSource
{
    /// <summary>A parameter of the route's match template: <c>{route.id}</c>.</summary>
    Route,

    /// <summary>A query parameter of the client request: <c>{query.q}</c>.</summary>
    Query,

    /// <summary>A header of the client request: <c>{header.Accept-Language}</c>.</summary>
    Header,

    /// <summary>The verified identity: <c>{identity.consumerId}</c>, <c>{identity.subject}</c>, <c>{identity.method}</c>.</summary>
    Identity,

    /// <summary>A verified claim: <c>{claim.tenant}</c>.</summary>
    Claim,

    /// <summary>A field of the client's JSON body: <c>{body.user.id}</c> or <c>{body/user/id}</c>.</summary>
    Body,

    /// <summary>A field of another part's JSON answer: <c>{profile.id}</c>; makes the part depend on that one.</summary>
    Part,
}
