using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// API keys from a header (and from a query parameter on routes that allow it). The key is always removed from the
/// request before forwarding, whatever the outcome, so a backend never sees it.
/// </summary>
internal sealed class ApiKeyPolicy : AuthPolicy
{
    private readonly string _header;
    private readonly string _queryParameter;
    private readonly FrozenDictionary<string, ApiKeyRecord> _declared;
    private readonly ApiKeyLookup _lookup;
    private readonly string _invalidChallenge;

    public ApiKeyPolicy(string name, string header, string queryParameter, FrozenDictionary<string, ApiKeyRecord> declared, ApiKeyLookup lookup, string realm)
        : base(name, "apiKey")
    {
        _header = header;
        _queryParameter = queryParameter;
        _declared = declared;
        _lookup = lookup;
        Challenge = Challenges.ApiKey(realm, header);
        _invalidChallenge = Challenge;
    }

    public override string Challenge { get; }

    public override async ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context)
    {
        var request = context.HttpContext.Request;
        var key = TakeKey(request, context.Route?.Auth.ApiKeyInQuery == true, out var repeated); // no route: the admin policy
        if (repeated)
        {
            return AuthOutcome.Invalid("malformed", GatewayProblems.InvalidApiKey, _invalidChallenge);
        }

        if (key is null)
        {
            return AuthOutcome.Missing(Challenge);
        }

        if (ApiKeyFormat.IdOf(key) is not { } id)
        {
            return AuthOutcome.Invalid("malformed", GatewayProblems.InvalidApiKey, _invalidChallenge);
        }

        var (record, unavailable) = await _lookup.FindAsync(id, _declared, context.HttpContext.RequestAborted);
        if (unavailable)
        {
            return AuthOutcome.Unavailable("key-store-unavailable");
        }

        if (record is null || !ApiKeyFormat.Matches(key, record.Hash))
        {
            return AuthOutcome.Invalid("unknown-key", GatewayProblems.InvalidApiKey, _invalidChallenge);
        }

        if (record.Revoked)
        {
            return AuthOutcome.Invalid("revoked", GatewayProblems.InvalidApiKey, _invalidChallenge);
        }

        var consumer = Consumers.Find(context, record.Consumer, out var disabled);
        if (consumer is null || disabled)
        {
            return AuthOutcome.Invalid(disabled ? "consumer-disabled" : "consumer-unknown", GatewayProblems.InvalidApiKey, _invalidChallenge);
        }

        if (record.Identity is { } cached && ReferenceEquals(cached.Consumer, consumer))
        {
            return AuthOutcome.Success(cached.Identity);
        }

        var identity = new GatewayIdentity
        {
            ConsumerId = consumer.Id,
            Subject = consumer.Id,
            Method = Method,
            Claims = consumer.Plan is { } plan ? new Dictionary<string, IReadOnlyList<string>> { ["plan"] = [plan] } : EmptyClaims,
        };
        record.Identity = new KeyIdentity(consumer, identity);
        return AuthOutcome.Success(identity);
    }

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> EmptyClaims = FrozenDictionary<string, IReadOnlyList<string>>.Empty;

    /// <summary>Reads the key and removes it from the request (header and query) so it is never forwarded.</summary>
    private string? TakeKey(HttpRequest request, bool allowQuery, out bool repeated)
    {
        repeated = false;
        string? key = null;
        var values = request.Headers[_header];
        if (values.Count > 0)
        {
            repeated = values.Count > 1;
            key = values[0];
            request.Headers.Remove(_header);
        }

        var query = request.QueryString.Value;
        if (query is not null && query.Contains(_queryParameter, StringComparison.OrdinalIgnoreCase))
        {
            // Only on the rare request that names the parameter: parse, take it out, rebuild.
            var parsed = QueryHelpers.ParseQuery(query);
            if (parsed.Remove(_queryParameter, out var fromQuery))
            {
                var kept = new List<KeyValuePair<string, string?>>();
                foreach (var (name, vals) in parsed)
                {
                    foreach (var v in vals)
                    {
                        kept.Add(new(name, v));
                    }
                }

                request.QueryString = QueryString.Create(kept);
                if (allowQuery && key is null)
                {
                    repeated = fromQuery.Count > 1;
                    key = fromQuery[0];
                }
            }
        }

        return key;
    }
}
