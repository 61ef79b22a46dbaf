using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Identity;

namespace Portico.WebPubSub;

/// <summary>
/// One hub of one Azure Web PubSub service as the gateway reaches it, built once per snapshot: its REST API
/// (<c>{endpoint}/api/hubs/{hub}/…?api-version=…</c>) authenticated with the managed identity or an access key, the
/// client URL and the access keys that sign and check. Every call is bounded by <see cref="CallTimeout"/>.
/// </summary>
internal sealed class WebPubSubService(
    Uri endpoint, string hub, string apiVersion, bool useManagedIdentity, string[] accessKeys,
    HttpMessageInvoker invoker, WebPubSubCredential credential, TimeProvider time)
{
    /// <summary>The longest wait for one call to the service.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Lifetime of the access-key tokens the gateway signs for its own REST calls.</summary>
    private static readonly TimeSpan RestTokenLifetime = TimeSpan.FromMinutes(5);

    private readonly string _endpoint = endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>The hub name.</summary>
    public string Hub => hub;

    /// <summary>The service's host (with the port when it is not the default), the only origin whose events are accepted.</summary>
    public string Host => endpoint.IsDefaultPort ? endpoint.Host : endpoint.Authority;

    /// <summary>Whether tokens come from the service (managed identity) rather than being signed with an access key.</summary>
    public bool UsesManagedIdentity => useManagedIdentity;

    /// <summary>The access keys, primary first (may be empty with a managed identity).</summary>
    public IReadOnlyList<string> AccessKeys => accessKeys;

    /// <summary>Where clients connect: <c>wss://{host}/client/hubs/{hub}</c> (<c>ws</c> for an http endpoint).</summary>
    public string ClientBaseUrl { get; } = (endpoint.Scheme == Uri.UriSchemeHttps ? "wss" : "ws") + "://" + endpoint.Authority + "/client/hubs/" + hub;

    /// <summary>The audience of client access tokens: the endpoint's URL of the client path.</summary>
    public string ClientAudience { get; } = endpoint.GetLeftPart(UriPartial.Authority) + "/client/hubs/" + hub;

    /// <summary>The REST URI of <paramref name="path"/> under the hub (<c>/groups/g/:send</c>), with the api-version and <paramref name="query"/>.</summary>
    public Uri RestUri(string path, string? query = null) =>
        new(_endpoint + "/api/hubs/" + hub + path + "?api-version=" + Uri.EscapeDataString(apiVersion) + (string.IsNullOrEmpty(query) ? "" : "&" + query));

    /// <summary>
    /// Sends <paramref name="request"/> to the service with the gateway's credential, within <see cref="CallTimeout"/>.
    /// An unreachable service, a timeout or a credential that yields no token is a <see cref="WebPubSubCall.Failure"/>
    /// (the caller's own cancellation still throws).
    /// </summary>
    public async Task<WebPubSubCall> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await BearerTokenAsync(request.RequestUri!, timeout.Token));
            return new WebPubSubCall(await invoker.SendAsync(request, timeout.Token), null, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or AuthenticationFailedException or CredentialUnavailableException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new WebPubSubCall(null, ex is OperationCanceledException ? $"no answer within {CallTimeout.TotalSeconds:0}s" : ex.Message, ex);
        }
    }

    /// <summary>
    /// A client access token: signed here with the primary access key, or issued by the service
    /// (<c>:generateToken</c>) with the managed identity; null with the failure when the service
    /// cannot issue one.
    /// </summary>
    public async Task<(string? Token, WebPubSubCall Failure)> ClientTokenAsync(
        string? userId, IReadOnlyList<string> roles, IReadOnlyList<string> groups, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        if (!useManagedIdentity)
        {
            return (WebPubSubJwt.Sign(accessKeys[0], ClientAudience, time.GetUtcNow(), lifetime, userId, roles, groups), default);
        }

        var query = new StringBuilder();
        if (userId is not null)
        {
            query.Append("userId=").Append(Uri.EscapeDataString(userId)).Append('&');
        }

        foreach (var role in roles)
        {
            query.Append("role=").Append(Uri.EscapeDataString(role)).Append('&');
        }

        foreach (var group in groups)
        {
            query.Append("group=").Append(Uri.EscapeDataString(group)).Append('&');
        }

        query.Append("minutesToExpire=").Append((int)Math.Ceiling(lifetime.TotalMinutes));
        using var request = new HttpRequestMessage(HttpMethod.Post, RestUri("/:generateToken", query.ToString()));
        var call = await SendAsync(request, cancellationToken);
        if (call.Response is not { } response)
        {
            return (null, call);
        }

        using var _ = response;
        if (!response.IsSuccessStatusCode)
        {
            return (null, new WebPubSubCall(null, $"answered {(int)response.StatusCode}", null));
        }

        try
        {
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("token", out var token)
                && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } text)
            {
                return (text, default);
            }
        }
        catch (JsonException)
        {
        }

        return (null, new WebPubSubCall(null, "answered without a token", null));
    }

    private async ValueTask<string> BearerTokenAsync(Uri requestUri, CancellationToken cancellationToken) =>
        useManagedIdentity
            ? await credential.GetTokenAsync(cancellationToken)
            : WebPubSubJwt.Sign(accessKeys[0], requestUri.AbsoluteUri, time.GetUtcNow(), RestTokenLifetime);
}
