using Portico.Configuration;
using Portico.RateLimiting;

namespace Portico.AddressLimits;

/// <summary>Compiles a route's <c>addressRateLimit</c> with the same rules (and messages) as a rate-limit policy's <c>rate</c>.</summary>
internal static class AddressRateCompiler
{
    /// <summary>The route's per-address rate; null when it has none or it is invalid (reported through <paramref name="error"/>).</summary>
    public static AddressRate? Compile(RateDefinition? rate, Action<string, string> error)
    {
        if (rate is null)
        {
            return null;
        }

        var failed = false;
        var (interval, burst) = RateLimitCompiler.CompileRate(rate, (field, message) =>
        {
            failed = true;
            error("addressRateLimit" + field["rate".Length..], message);
        });
        return failed || interval < 1 ? null : new AddressRate("address/route", interval, burst);
    }
}
