using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Auth;

/// <summary>
/// Client certificates: from the TLS connection (<c>portico serve</c> with client certificates), or, only when the
/// gateway is told to trust it, from the front end's <c>X-ARR-ClientCert</c> header (Azure Functions / App Service).
/// A certificate passes when it is within its validity dates on <see cref="TimeProvider"/> time and is either pinned by
/// SHA-256 thumbprint or chains to a configured CA (revocation off unless asked for). Chain results are cached by thumbprint.
/// </summary>
internal sealed class MtlsPolicy : AuthPolicy
{
    private static readonly TimeSpan VerdictLifetime = TimeSpan.FromMinutes(5);
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _authorities;
    private readonly FrozenSet<string> _pins;
    private readonly bool _checkRevocation;
    private readonly FrozenDictionary<string, string> _consumers;
    private readonly ClientCertificateOptions _source;
    private readonly TimeProvider _time;
    private readonly BoundedCache<string, bool> _verdicts;

    public MtlsPolicy(
        string name, X509Certificate2Collection authorities, IEnumerable<string> pins, bool checkRevocation,
        IReadOnlyDictionary<string, string> consumers, ClientCertificateOptions source, TimeProvider time, string realm)
        : base(name, "mtls")
    {
        _authorities = authorities;
        _pins = pins.Select(NormalizeThumbprint).ToFrozenSet(StringComparer.Ordinal);
        _checkRevocation = checkRevocation;
        _consumers = consumers.ToFrozenDictionary(
            c => LooksLikeThumbprint(c.Key) ? NormalizeThumbprint(c.Key) : c.Key, c => c.Value, StringComparer.Ordinal);
        _source = source;
        _time = time;
        _verdicts = new BoundedCache<string, bool>(time, 10_000);
        Challenge = Challenges.ClientCertificate(realm);
    }

    public override string Challenge { get; }

    public static string NormalizeThumbprint(string value) => value.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    public static bool LooksLikeThumbprint(string value)
    {
        var normalized = NormalizeThumbprint(value);
        return normalized.Length == 64 && normalized.All(char.IsAsciiHexDigit);
    }

    public override ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        var certificate = http.Connection.ClientCertificate;
        var owned = false;
        if (certificate is null && _source.TrustForwardedHeader)
        {
            var header = http.Request.Headers[_source.ForwardedHeaderName];
            if (header.Count > 0)
            {
                certificate = FromHeader(header.ToString());
                if (certificate is null)
                {
                    return ValueTask.FromResult(Invalid("malformed"));
                }

                owned = true;
            }
        }

        if (certificate is null)
        {
            return ValueTask.FromResult(AuthOutcome.Missing(Challenge));
        }

        try
        {
            return ValueTask.FromResult(Check(context, certificate));
        }
        finally
        {
            if (owned)
            {
                certificate.Dispose();
            }
        }
    }

    private AuthOutcome Check(GatewayContext context, X509Certificate2 certificate)
    {
        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return Invalid("certificate-expired");
        }

        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        if (!_verdicts.TryGet(thumbprint, out var trusted))
        {
            trusted = _pins.Contains(thumbprint) || (_authorities.Count > 0 && Chains(certificate, now));
            _verdicts.Set(thumbprint, trusted, now + VerdictLifetime);
        }

        if (!trusted)
        {
            return Invalid("certificate-untrusted");
        }

        string? consumerId = null;
        if (_consumers.TryGetValue(thumbprint, out var mapped) || _consumers.TryGetValue(certificate.Subject, out mapped))
        {
            var consumer = Consumers.Find(context, mapped, out var disabled);
            if (disabled)
            {
                return Invalid("consumer-disabled");
            }

            consumerId = consumer?.Id;
        }

        return AuthOutcome.Success(new GatewayIdentity
        {
            ConsumerId = consumerId,
            Subject = certificate.Subject,
            Method = Method,
            Claims = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
            {
                ["x5t#S256"] = [thumbprint],
                ["subject"] = [certificate.Subject],
            },
        });
    }

    private bool Chains(X509Certificate2 certificate, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_authorities);
        policy.RevocationMode = _checkRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        policy.VerificationTime = now.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.UrlRetrievalTimeout = TimeSpan.FromSeconds(5);
        // A certificate with an extended key usage must allow client authentication (RFC 5280 §4.2.1.12).
        policy.ApplicationPolicy.Add(ClientAuthentication);
        try
        {
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    private static X509Certificate2? FromHeader(string value)
    {
        if (value.Length > 16 * 1024)
        {
            return null;
        }

        try
        {
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(value));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private AuthOutcome Invalid(string reason) => AuthOutcome.Invalid(reason, GatewayProblems.InvalidClientCertificate, Challenge);
}
