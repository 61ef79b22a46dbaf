using Microsoft.AspNetCore.Http;

namespace Portico.Cli.Serve;

/// <summary>Checks <c>serve --urls</c> before the host starts, so a typo is a one-line bad argument and not a stack trace.</summary>
internal static class ServeAddresses
{
    /// <summary>Why <paramref name="urls"/> cannot be listened on, or null when every address is well formed.</summary>
    public static string? Problem(string urls, bool hasCertificate)
    {
        var addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            return "--urls names no address; use for example http://127.0.0.1:7071.";
        }

        foreach (var address in addresses)
        {
            BindingAddress parsed;
            try
            {
                parsed = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                return $"--urls: '{address}' is not an address such as http://127.0.0.1:7071 or https://0.0.0.0:8443.";
            }

            if (parsed.Scheme is not ("http" or "https"))
            {
                return $"--urls: '{address}' must start with http:// or https://.";
            }

            if (!parsed.IsUnixPipe && parsed.Port is < 0 or > 65535)
            {
                return $"--urls: '{address}' has a port outside 0 to 65535.";
            }

            if (parsed.Scheme == "https" && !hasCertificate)
            {
                return $"--urls: '{address}' is https: pass the server certificate with --certificate FILE.";
            }
        }

        return null;
    }
}
