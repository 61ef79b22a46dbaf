using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Portico.Tests.WebPubSub;

/// <summary>
/// A real Kestrel server on loopback standing in for the Azure Web PubSub data-plane REST API, which cannot be reached
/// from here. It checks every call's bearer token the way the service does (HS256 with the access key and the request
/// URL as audience, or an RS256 Microsoft Entra token for <c>https://webpubsub.azure.com</c> signed by
/// <see cref="EntraKey"/>), answers <c>:generateToken</c> with a token and sends with 202, and records what it accepted.
/// </summary>
public sealed class FakeWebPubSubService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Call> _calls = new();

    private FakeWebPubSubService(WebApplication app, string accessKey)
    {
        _app = app;
        AccessKey = accessKey;
    }

    /// <summary>One accepted call: method, path, query as sent, content type and body.</summary>
    public sealed record Call(string Method, string Path, string RawQuery, string? ContentType, byte[] Body, string AuthenticatedBy);

    /// <summary>The service's access key (the gateway reads it from a setting).</summary>
    public string AccessKey { get; }

    /// <summary>The key the test's stand-in for Microsoft Entra signs managed identity tokens with.</summary>
    public RSA EntraKey { get; } = RSA.Create(2048);

    /// <summary>The endpoint, <c>http://127.0.0.1:port</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The status every call answers with instead of the normal one; null for normal.</summary>
    public int? FailWith { get; set; }

    public IReadOnlyList<Call> Calls => [.. _calls];

    /// <summary>Calls refused for their credential.</summary>
    public int Refused;

    public static async Task<FakeWebPubSubService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new FakeWebPubSubService(app, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        app.Run(service.HandleAsync);
        await app.StartAsync();
        service.Url = app.Urls.First().TrimEnd('/');
        return service;
    }

    /// <summary>A credential like a managed identity's: RS256 tokens for the service's audience from <see cref="EntraKey"/>.</summary>
    public TokenCredential ManagedIdentity() => new EntraStandIn(EntraKey);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var url = Url + rawTarget;
        var authenticatedBy = await AuthenticateAsync(request.Headers.Authorization.ToString(), url);
        if (authenticatedBy is null)
        {
            Interlocked.Increment(ref Refused);
            context.Response.StatusCode = 401;
            return;
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var query = rawTarget.Contains('?') ? rawTarget[(rawTarget.IndexOf('?') + 1)..] : "";
        _calls.Enqueue(new Call(request.Method, request.Path.Value!, query, request.ContentType, body.ToArray(), authenticatedBy));
        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        if (request.Path.Value!.EndsWith("/:generateToken", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"token":"issued.by.service"}""");
            return;
        }

        context.Response.StatusCode = request.Path.Value.EndsWith("/:send", StringComparison.Ordinal) ? 202 : 200;
    }

    private async Task<string?> AuthenticateAsync(string authorization, string url)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var token = authorization["Bearer ".Length..];
        var handler = new JsonWebTokenHandler();
        var byKey = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = url,
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
        });
        if (byKey.IsValid)
        {
            return "accessKey";
        }

        var byEntra = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = "https://webpubsub.azure.com",
            ValidIssuer = EntraStandIn.Issuer,
            IssuerSigningKey = new RsaSecurityKey(EntraKey),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        return byEntra.IsValid ? "managedIdentity" : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        EntraKey.Dispose();
    }

    /// <summary>Issues what Microsoft Entra would for a managed identity asking the Web PubSub scope; checks the scope asked.</summary>
    private sealed class EntraStandIn(RSA key) : TokenCredential
    {
        public const string Issuer = "https://sts.windows.net/00000000-0000-0000-0000-000000000001/";

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Assert.Equal(["https://webpubsub.azure.com/.default"], requestContext.Scopes);
            var expires = TimeProvider.System.GetUtcNow().AddHours(1);
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Issuer,
                Audience = "https://webpubsub.azure.com",
                Expires = expires.UtcDateTime,
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256),
            });
            return new AccessToken(token, expires);
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
