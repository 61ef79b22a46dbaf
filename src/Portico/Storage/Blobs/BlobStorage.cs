using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace Portico.Storage.Blobs;

/// <summary>
/// Creates Blob storage clients the way <see cref="Tables.TableStorage"/> creates Table ones: an account endpoint reached
/// with <see cref="DefaultAzureCredential"/> (managed identity in Azure), or a connection string for Azurite and
/// local runs. Retries and timeouts are bounded: the cache must never hold a request long for its shared store.
/// </summary>
public static class BlobStorage
{
    /// <summary>A service client for <paramref name="connectionOrEndpoint"/>.</summary>
    public static BlobServiceClient CreateServiceClient(string connectionOrEndpoint, string? managedIdentityClientId = null, TimeSpan? networkTimeout = null)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.Mode = RetryMode.Fixed;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.NetworkTimeout = networkTimeout ?? TimeSpan.FromSeconds(5);

        if (Tables.TableStorage.IsEndpoint(connectionOrEndpoint))
        {
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = managedIdentityClientId });
            return new BlobServiceClient(new Uri(connectionOrEndpoint), credential, options);
        }

        try
        {
            return new BlobServiceClient(connectionOrEndpoint, options);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // Never echo the value: a connection string carries the account key.
            throw new ArgumentException("The Blob storage setting is neither an https endpoint nor a valid connection string.", nameof(connectionOrEndpoint), ex);
        }
    }
}
