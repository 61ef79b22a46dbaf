using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portico.Configuration;

namespace Portico.Auth;

/// <summary>
/// Compiles an <c>mtls</c> policy (docs/configuration.md, <c>authPolicies[]</c>): <c>caCertificates</c> (PEM) and
/// <c>thumbprints</c> (SHA-256), at least one of them, <c>checkRevocation</c>, and <c>consumers</c> naming known consumers.
/// </summary>
internal sealed class MtlsPolicyCompiler(AuthOptions options, TimeProvider time)
{
    /// <summary>The policy named by <paramref name="definition"/>; null after reporting every problem.</summary>
    public MtlsPolicy? Compile(AuthPolicyDefinition definition, HashSet<string> consumers, Action<string, string> error)
    {
        var settings = definition.Mtls!;
        var cas = settings.CaCertificates ?? [];
        var pins = settings.Thumbprints ?? [];
        var authorities = CompileAuthorities(cas, error);
        var pinsValid = CheckThumbprints(pins, error);
        var ok = authorities is not null && pinsValid;
        if (cas.Count == 0 && pins.Count == 0)
        {
            error("mtls", "name 'caCertificates' or 'thumbprints': with neither, no certificate could pass");
            ok = false;
        }

        foreach (var (_, consumer) in settings.Consumers ?? new Dictionary<string, string>())
        {
            if (!consumers.Contains(consumer))
            {
                error("mtls.consumers", $"unknown consumer '{consumer}'");
                ok = false;
            }
        }

        return ok
            ? new MtlsPolicy(definition.Id, authorities!, pins, settings.CheckRevocation ?? false, settings.Consumers ?? new Dictionary<string, string>(), options.ClientCertificates, time, options.Realm)
            : null;
    }

    /// <summary><c>caCertificates</c>: PEM certificates; null when any is not one.</summary>
    private static X509Certificate2Collection? CompileAuthorities(IReadOnlyList<string> pems, Action<string, string> error)
    {
        var ok = true;
        var authorities = new X509Certificate2Collection();
        for (int i = 0; i < pems.Count; i++)
        {
            try
            {
                authorities.Add(X509Certificate2.CreateFromPem(pems[i]));
            }
            catch (CryptographicException)
            {
                error($"mtls.caCertificates[{i}]", "is not a PEM certificate");
                ok = false;
            }
        }

        return ok ? authorities : null;
    }

    /// <summary><c>thumbprints</c>: SHA-256 thumbprints, 64 hex digits (colons and spaces allowed).</summary>
    private static bool CheckThumbprints(IReadOnlyList<string> pins, Action<string, string> error)
    {
        var ok = true;
        for (int i = 0; i < pins.Count; i++)
        {
            if (!MtlsPolicy.LooksLikeThumbprint(pins[i]))
            {
                error($"mtls.thumbprints[{i}]", "must be a SHA-256 thumbprint: 64 hex digits");
                ok = false;
            }
        }

        return ok;
    }
}
