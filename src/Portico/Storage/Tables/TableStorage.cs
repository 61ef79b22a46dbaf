using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;

namespace Portico.Storage.Tables;

/// <summary>
/// Creates Table storage clients from what an operator gives: a connection string (Azurite and local runs) or
/// an account endpoint, reached with <see cref="DefaultAzureCredential"/> (managed identity in Azure, the
/// developer's login locally). Retries and timeouts are bounded so a storage outage never holds a caller long.
/// </summary>
public static class TableStorage
{
    /// <summary>Whether <paramref name="name"/> is a Table storage table name: 3 to 63 letters and digits, starting with a letter.</summary>
    public static bool IsTableName(string? name) =>
        name is { Length: >= 3 and <= 63 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);

    /// <summary>Whether <paramref name="value"/> is an endpoint URL rather than a connection string.</summary>
    public static bool IsEndpoint(string value) =>
        !value.Contains('=') && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary>
    /// A service client for <paramref name="connectionOrEndpoint"/>; <paramref name="managedIdentityClientId"/>
    /// picks a user-assigned identity when an endpoint is given; <paramref name="configure"/> adjusts the client
    /// options last (for example fewer retries on a latency-bound path).
    /// </summary>
    public static TableServiceClient CreateServiceClient(string connectionOrEndpoint, string? managedIdentityClientId = null, TimeSpan? networkTimeout = null, Action<TableClientOptions>? configure = null)
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = networkTimeout ?? TimeSpan.FromSeconds(10);
        configure?.Invoke(options);

        if (IsEndpoint(connectionOrEndpoint))
        {
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = managedIdentityClientId,
            });
            return new TableServiceClient(new Uri(connectionOrEndpoint), credential, options);
        }

        try
        {
            return new TableServiceClient(connectionOrEndpoint, options);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // Never echo the value: a connection string carries the account key.
            throw new ArgumentException("The storage setting is neither an https endpoint nor a valid connection string.", nameof(connectionOrEndpoint), ex);
        }
    }
}
