using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Admin;
using Portico.Pipeline;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Admin.AdminTestKit;

namespace Portico.Tests.Admin;

/// <summary>
/// The admin settings: off unless configured (with an answer that says how to turn them on), anonymous only when
/// asked for and then loudly, every invalid combination refused at start-up; and the endpoint model seen from a gateway.
/// </summary>
public sealed class AdminSettingsTests
{
    [Fact]
    public async Task AdminEndpoints_NothingConfigured_Answer403SayingHowToEnableThem()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry);
        var key = NewKey();

        using var response = await SendAsync(gateway, RegistryPath, bearer: key.Key);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAssert.ReadAsync(response, "admin-not-configured");
        Assert.Contains("Portico:Admin:Keys", problem.GetProperty("detail").GetString());
        Assert.Contains("portico admin key create", problem.GetProperty("detail").GetString());
        var audit = await OnlyAuditAsync(gateway);
        Assert.Equal(("not-configured", 403), (audit["Outcome"], audit["StatusCode"]));
        Assert.Contains(gateway.Logs.Entries, e => e.EventId.Id == 603 && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task AdminEndpoints_AllowAnonymous_LetEveryoneInAuditedAsAnonymousDevAndWarnAtStart()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry, new Dictionary<string, string?> { ["Portico:Admin:AllowAnonymous"] = "true" });

        using var response = await SendAsync(gateway, RegistryPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var audit = await OnlyAuditAsync(gateway);
        Assert.Equal(("anonymous-dev", "allowed"), (audit["Principal"], audit["Outcome"]));
        var warning = Assert.Single(gateway.Logs.Entries, e => e.EventId.Id == 602);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("/_portico/admin", warning.Message);
    }

    [Theory]
    [InlineData("Portico:Admin:Keys:abcdefghijkm:Hash", "not-a-hash", "Portico:Admin:Keys:abcdefghijkm:Hash must be the 64-character hex SHA-256")]
    [InlineData("Portico:Admin:Keys:Not_An_Id:Hash", "0000000000000000000000000000000000000000000000000000000000000000", "Portico:Admin:Keys:Not_An_Id is not a key id")]
    [InlineData("Portico:Admin:Policy", "entra", "needs Portico:Admin:Roles, Scopes or Consumers")]
    [InlineData("Portico:Admin:Policy", "anonymous", "cannot be 'anonymous'")]
    [InlineData("Portico:Admin:Roles:0", "Portico.Admin", "apply to callers of Portico:Admin:Policy")]
    [InlineData("Portico:Admin:FailedAttempts:Limit", "0", "Portico:Admin:FailedAttempts:Limit must be between 1 and 1000")]
    [InlineData("Portico:Admin:FailedAttempts:Period", "00:00:00", "Portico:Admin:FailedAttempts:Period must be between 1 second and 1 day")]
    public async Task Start_InvalidAdminSetting_IsRefusedNamingIt(string setting, string value, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayHost.StartWithFileAsync(SmallRegistry, new Dictionary<string, string?> { [setting] = value }));

        Assert.Contains(ex.Failures, f => f.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_AllowAnonymousWithAKey_IsRefused()
    {
        var settings = KeySettings(NewKey());
        settings["Portico:Admin:AllowAnonymous"] = "true";

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartWithFileAsync(SmallRegistry, settings));

        Assert.Contains(ex.Failures, f => f.Contains("AllowAnonymous cannot be combined", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_KeyWithAPlainTextKeyInsteadOfItsHash_IsRefusedWithoutEchoingIt()
    {
        var key = NewKey();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartWithFileAsync(
            SmallRegistry, new Dictionary<string, string?> { [$"Portico:Admin:Keys:{key.Id}:Hash"] = key.Key }));

        Assert.DoesNotContain(key.Key, ex.Message);
        Assert.Contains(ex.Failures, f => f.Contains("never the key itself", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublicEndpoint_OtherMethod_Answers405WithAllowAndHeadIsServed()
    {
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry);

        using var post = await SendAsync(gateway, "/_portico/health/live", method: HttpMethod.Post);
        using var head = await SendAsync(gateway, "/_portico/health/ready", method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
        await ProblemAssert.ReadAsync(post, "method-not-allowed");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Empty(Audit(gateway)); // public endpoints are not admin requests
    }

    /// <summary>An admin feature that owns a sub-tree, as the backends view of a later feature will.</summary>
    private sealed class ThingsEndpoint : IPorticoEndpoint
    {
        public string Path => "/admin/things";

        public PorticoEndpointAccess Access => PorticoEndpointAccess.Admin;

        public IReadOnlyList<string> Methods => ["GET", "DELETE"];

        public bool IsSubtree => true;

        public Task HandleAsync(GatewayContext context) =>
            context.HttpContext.Response.WriteAsync($"{context.HttpContext.Request.Method} thing '{context.EndpointSubpath}' for {context.Identity.Subject}");
    }

    [Fact]
    public async Task SubtreeEndpoint_ServesThePathsBelowItBehindTheAdminPolicy()
    {
        var key = NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(SmallRegistry, KeySettings(key),
            services => services.AddSingleton<IPorticoEndpoint, ThingsEndpoint>());

        using var anonymous = await SendAsync(gateway, "/_portico/admin/things/t-1");
        using var get = await SendAsync(gateway, "/_portico/admin/things/t-1", bearer: key.Key);
        using var delete = await SendAsync(gateway, "/_portico/admin/things/t-2/parts", bearer: key.Key, method: HttpMethod.Delete);
        using var own = await SendAsync(gateway, "/_portico/admin/things", bearer: key.Key);
        using var put = await SendAsync(gateway, "/_portico/admin/things/t-1", bearer: key.Key, method: HttpMethod.Put);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal($"GET thing '/t-1' for {key.Id}", await get.Content.ReadAsStringAsync());
        Assert.Equal($"DELETE thing '/t-2/parts' for {key.Id}", await delete.Content.ReadAsStringAsync());
        Assert.Equal($"GET thing '' for {key.Id}", await own.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal("GET, DELETE, HEAD", string.Join(", ", put.Content.Headers.Allow));
        var audit = await AuditAsync(gateway, 5);
        Assert.Equal(["allowed", "allowed", "allowed", "allowed", "missing"], audit.Select(a => (string)a["Outcome"]!).Order());
        Assert.Equal("/_portico/admin/things/t-1", Assert.Single(audit, a => Equals(a["StatusCode"], 405))["Path"]);
    }
}
