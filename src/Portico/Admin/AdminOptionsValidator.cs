using Portico.Auth;
using Portico.Hosting;

namespace Portico.Admin;

/// <summary>Rejects admin settings that cannot work or would open more than meant, naming the setting (never echoing a hash).</summary>
internal sealed class AdminOptionsValidator : OptionsValidator
{
    protected override void Validate(PorticoOptions options, List<string> errors)
    {
        var admin = options.Admin;
        foreach (var (id, key) in admin.Keys)
        {
            if (!ApiKeyFormat.IsValidId(id))
            {
                errors.Add($"Portico:Admin:Keys:{id} is not a key id: use the 12 characters after 'pk_' that 'portico admin key create' prints.");
            }

            if (!IsSha256Hex(key.Hash))
            {
                errors.Add($"Portico:Admin:Keys:{(ApiKeyFormat.IsValidId(id) ? id : "…")}:Hash must be the 64-character hex SHA-256 that 'portico admin key create' prints (never the key itself).");
            }
        }

        var hasPolicy = !string.IsNullOrEmpty(admin.Policy);
        var requirements = admin.Roles.Count + admin.Scopes.Count + admin.Consumers.Count;
        if (hasPolicy && admin.Policy == AnonymousPolicy.PolicyName)
        {
            errors.Add("Portico:Admin:Policy cannot be 'anonymous': use Portico:Admin:AllowAnonymous for local development.");
        }
        else if (hasPolicy && requirements == 0)
        {
            errors.Add($"Portico:Admin:Policy '{admin.Policy}' needs Portico:Admin:Roles, Scopes or Consumers: a caller the policy verifies is not an admin by that alone.");
        }

        if (!hasPolicy && requirements > 0)
        {
            errors.Add("Portico:Admin:Roles, Scopes and Consumers apply to callers of Portico:Admin:Policy: set the policy, or remove them.");
        }

        if (admin.Roles.Concat(admin.Scopes).Concat(admin.Consumers).Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("Portico:Admin:Roles, Scopes and Consumers must not contain empty values.");
        }

        if (admin.AllowAnonymous && (admin.Keys.Count > 0 || hasPolicy))
        {
            errors.Add("Portico:Admin:AllowAnonymous cannot be combined with Portico:Admin:Keys or Policy: it would let every caller in regardless.");
        }

        var attempts = admin.FailedAttempts;
        if (attempts.Limit is < 1 or > 1000)
        {
            errors.Add("Portico:Admin:FailedAttempts:Limit must be between 1 and 1000.");
        }

        if (attempts.Period < TimeSpan.FromSeconds(1) || attempts.Period > TimeSpan.FromDays(1))
        {
            errors.Add("Portico:Admin:FailedAttempts:Period must be between 1 second and 1 day.");
        }

        if (attempts.MaxTrackedAddresses is < 1 or > 10_000_000)
        {
            errors.Add("Portico:Admin:FailedAttempts:MaxTrackedAddresses must be between 1 and 10,000,000.");
        }
    }

    private static bool IsSha256Hex(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigit);
}
