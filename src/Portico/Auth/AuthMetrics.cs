using System.Diagnostics;
using System.Diagnostics.Metrics;
using Portico.Observability;

namespace Portico.Auth;

/// <summary>Authentication instruments, on Portico's meter.</summary>
internal sealed class AuthMetrics
{
    public AuthMetrics(PorticoMetrics metrics)
    {
        Failures = metrics.Meter.CreateCounter<long>(
            "portico.auth.failures", "{request}", "Requests refused by authentication or authorization, by route, method and reason.");
        KeyFetches = metrics.Meter.CreateCounter<long>(
            "portico.auth.key_fetches", "{fetch}", "Fetches of issuers' discovery documents and JWKS, by outcome (ok, failed).");
        Introspections = metrics.Meter.CreateCounter<long>(
            "portico.auth.introspections", "{lookup}", "Token introspection lookups by outcome (cached, active, inactive, failed).");
        KeyLookups = metrics.Meter.CreateCounter<long>(
            "portico.auth.apikey_lookups", "{lookup}", "API key lookups in Table storage by outcome (found, not-found, failed).");
    }

    public Counter<long> Failures { get; }

    public Counter<long> KeyFetches { get; }

    public Counter<long> Introspections { get; }

    public Counter<long> KeyLookups { get; }

    public void Failure(string? routeId, string method, string reason) => Failures.Add(1, new TagList
    {
        { "portico.route", routeId ?? "" },
        { "portico.auth.method", method },
        { "reason", reason },
    });

    public static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);
}
