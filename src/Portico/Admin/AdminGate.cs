using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portico.Auth;
using Portico.Discovery.Sources;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Admin;

/// <summary>
/// The one admin policy in front of every admin endpoint: admin keys from the gateway settings, or a registry
/// authentication policy plus the roles, scopes or consumers that make a caller an admin, or (local development only)
/// anyone. Refusals are answered here with a problem and the RFC 6750 challenge, counted and logged; a client address
/// with too many failed attempts is refused before its credential is read.
/// </summary>
internal sealed class AdminGate
{
    /// <summary>The header that may carry an admin key instead of <c>Authorization: Bearer</c>.</summary>
    public const string KeyHeader = "X-Portico-Admin-Key";

    /// <summary>The principal of callers let in by <see cref="AdminOptions.AllowAnonymous"/>.</summary>
    public const string AnonymousPrincipal = "anonymous-dev";

    private const string NoMethod = "none";

    private static readonly GatewayIdentity AnonymousDeveloper = new() { Subject = AnonymousPrincipal, Method = "anonymous" };

    private readonly AdminOptions _options;
    private readonly AdminKeys _keys;
    private readonly AuthorizationRequirements? _requirements;
    private readonly HashSet<string>? _consumers;
    private readonly AdminAttemptLimiter _limiter;
    private readonly AdminMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _realm;
    private readonly string _howToEnable;

    public AdminGate(IOptions<PorticoOptions> options, AdminAttemptLimiter limiter, AdminMetrics metrics, ILogger<AdminGate> logger)
    {
        _options = options.Value.Admin;
        _realm = options.Value.Auth.Realm;
        _keys = new AdminKeys(_options.Keys);
        _limiter = limiter;
        _metrics = metrics;
        _logger = logger;
        if (_options.Roles.Count + _options.Scopes.Count > 0)
        {
            _requirements = new AuthorizationRequirements([.. _options.Scopes], [.. _options.Roles], [], requireAll: true);
        }

        if (_options.Consumers.Count > 0)
        {
            _consumers = new HashSet<string>(_options.Consumers, StringComparer.Ordinal);
        }

        _howToEnable = $"Set Portico:Admin:Keys (make a key with 'portico admin key create') or Portico:Admin:Policy with the roles that make a caller an admin; "
            + $"for local development only, Portico:Admin:AllowAnonymous=true. See docs/admin.md.";
    }

    /// <summary>Decides whether the caller is an admin; when not, the answer is already written.</summary>
    public async Task<AdminDecision> AuthorizeAsync(GatewayContext context)
    {
        if (!_options.IsConfigured && !HasRegistrationKeys(context.Snapshot))
        {
            return await RefuseAsync(context, "not-configured", NoMethod, GatewayProblems.AdminNotConfigured, _howToEnable);
        }

        if (_options.AllowAnonymous)
        {
            return new AdminDecision(AnonymousDeveloper, AnonymousPrincipal, AnonymousDeveloper.Method, AdminDecision.AllowedOutcome);
        }

        var http = context.HttpContext;
        var address = context.Client.Address;
        if (_limiter.IsBlocked(address, out var retryAfter))
        {
            http.Response.Headers[HeaderNames.RetryAfter] = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return await RefuseAsync(context, "rate-limited", NoMethod, GatewayProblems.AdminRateLimited);
        }

        var key = ReadKey(http.Request, out var malformed);
        if (malformed)
        {
            return await FailAsync(context, "malformed", NoMethod, GatewayProblems.InvalidToken, Challenges.BearerInvalid(_realm));
        }

        if (key is not null)
        {
            if (_keys.Verify(key) is { } admin)
            {
                return new AdminDecision(admin, admin.Subject!, AdminKeys.Method, AdminDecision.AllowedOutcome);
            }

            // A backend's registration key: let in here, held to that backend's registration API by the endpoints stage.
            return RegistrationKeys.Verify(context.Snapshot, key) is var (backendId, registrant)
                ? new AdminDecision(registrant, registrant.Subject!, RegistrationKeys.Method, AdminDecision.AllowedOutcome) { RegistrantOf = backendId }
                : await FailAsync(context, "invalid-key", AdminKeys.Method, GatewayProblems.InvalidApiKey, Challenges.BearerInvalid(_realm));
        }

        if (!_options.IsConfigured)
        {
            return await RefuseAsync(context, "not-configured", NoMethod, GatewayProblems.AdminNotConfigured, _howToEnable);
        }

        if (!string.IsNullOrEmpty(_options.Policy))
        {
            return await AuthenticateWithPolicyAsync(context, _options.Policy);
        }

        if (BearerToken.Read(http.Request, out _) is not null)
        {
            // A bearer token that is not a key, and no policy that reads tokens.
            return await FailAsync(context, "invalid-token", NoMethod, GatewayProblems.InvalidToken, Challenges.BearerInvalid(_realm));
        }

        http.Response.Headers[HeaderNames.WWWAuthenticate] = Challenges.Bearer(_realm);
        return await RefuseAsync(context, "missing", NoMethod, GatewayProblems.AuthenticationRequired);
    }

    private async Task<AdminDecision> AuthenticateWithPolicyAsync(GatewayContext context, string policyName)
    {
        var http = context.HttpContext;
        if (!context.Snapshot.AuthPolicies.TryGetValue(policyName, out var policy))
        {
            // Only before the first registry is loaded: a registry without the policy is refused when compiled.
            http.Response.Headers[HeaderNames.RetryAfter] = "1";
            return await RefuseAsync(context, "not-ready", NoMethod, GatewayProblems.NotReady);
        }

        var outcome = await policy.AuthenticateAsync(context);
        switch (outcome.Status)
        {
            case AuthStatus.Success:
                var identity = outcome.Identity!;
                var principal = identity.Subject ?? identity.ConsumerId ?? AuditLog.Unverified;
                if (_consumers is not null && (identity.ConsumerId is null || !_consumers.Contains(identity.ConsumerId)))
                {
                    return await RefuseAsync(context, "forbidden", identity.Method, GatewayProblems.Forbidden, NotAdmin, principal);
                }

                if (_requirements is not null && !_requirements.IsSatisfiedBy(identity, out var scopeMissing))
                {
                    if (scopeMissing && (identity.Method.Contains("jwt", StringComparison.Ordinal) || identity.Method.Contains("introspection", StringComparison.Ordinal)))
                    {
                        http.Response.Headers[HeaderNames.WWWAuthenticate] = Challenges.BearerInsufficientScope(_realm, _requirements.ScopeList);
                    }

                    return await RefuseAsync(context, scopeMissing ? "insufficient-scope" : "forbidden", identity.Method,
                        scopeMissing ? GatewayProblems.InsufficientScope : GatewayProblems.Forbidden, NotAdmin, principal);
                }

                return new AdminDecision(identity, principal, identity.Method, AdminDecision.AllowedOutcome);
            case AuthStatus.Missing:
                http.Response.Headers[HeaderNames.WWWAuthenticate] = MissingChallenge(policy);
                return await RefuseAsync(context, "missing", policy.Method, GatewayProblems.AuthenticationRequired);
            case AuthStatus.Unavailable:
                http.Response.Headers[HeaderNames.RetryAfter] = "5";
                return await RefuseAsync(context, outcome.Reason, policy.Method, GatewayProblems.AuthenticationUnavailable);
            default:
                return await FailAsync(context, outcome.Reason, policy.Method, outcome.Problem ?? GatewayProblems.AuthenticationRequired, outcome.Challenge ?? policy.Challenge);
        }
    }

    /// <summary>Whether some backend takes registration keys (then the admin surface answers them even with no admin configured).</summary>
    private static bool HasRegistrationKeys(Registry.GatewaySnapshot snapshot) =>
        snapshot.Backends.Values.Any(b => b.Cluster?.Source is RegistrationSource { Settings.Registration.Keys.Count: > 0 });

    private const string NotAdmin = "The caller is authenticated but is not an admin of this gateway.";

    /// <summary>
    /// The admin key from <see cref="KeyHeader"/>, or a bearer value with the key's shape; null otherwise (a bearer
    /// token is left to the policy). <paramref name="malformed"/> when the key header or <c>Authorization</c> is
    /// repeated or empty: one credential per request, so two checks can never see different ones.
    /// </summary>
    private static string? ReadKey(HttpRequest request, out bool malformed)
    {
        var header = request.Headers[KeyHeader];
        var bearer = BearerToken.Read(request, out malformed);
        if (malformed || header.Count > 1 || (header.Count == 1 && (string.IsNullOrWhiteSpace(header[0]) || bearer is not null)))
        {
            malformed = true;
            return null;
        }

        if (header.Count == 1)
        {
            return header[0]!.Trim();
        }

        return bearer is not null && AdminKeys.LooksLikeKey(bearer) ? bearer : null;
    }

    private string MissingChallenge(AuthPolicy policy)
    {
        var own = policy.Challenge;
        return _keys.IsEmpty || own.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) ? own : Challenges.Bearer(_realm) + ", " + own;
    }

    /// <summary>A presented credential failed: it counts against the client address.</summary>
    private Task<AdminDecision> FailAsync(GatewayContext context, string reason, string method, Problem problem, string challenge)
    {
        _limiter.RecordFailure(context.Client.Address);
        context.HttpContext.Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        return RefuseAsync(context, reason, method, problem);
    }

    private async Task<AdminDecision> RefuseAsync(GatewayContext context, string reason, string method, Problem problem, string? detail = null, string principal = AuditLog.Unverified)
    {
        _metrics.Refused(reason);
        AdminLog.Refused(_logger, context.Client.Address?.ToString() ?? "unknown", reason, method);
        await ProblemResponse.WriteAsync(context.HttpContext, problem, detail);
        return new AdminDecision(null, principal, method, reason);
    }
}
