using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portico.Auth;

/// <summary>
/// Reads secrets that registry policies name by setting (never by value): from the host's configuration, which in
/// Azure includes app settings resolved from Key Vault references, or from the environment when there is none.
/// </summary>
internal sealed class AuthSecrets(IServiceProvider services)
{
    private readonly IConfiguration? _configuration = services.GetService<IConfiguration>();

    public string? Get(string setting)
    {
        var value = _configuration?[setting] ?? Environment.GetEnvironmentVariable(setting);
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
