using Portico.Admin;
using Portico.Pipeline;

namespace Portico.Tests.Admin;

/// <summary>The matcher of Portico's own endpoints: layout rules, case, sub-trees, the admin area, and no allocation.</summary>
public sealed class PorticoEndpointTableTests
{
    private sealed class Endpoint(string path, PorticoEndpointAccess access = PorticoEndpointAccess.Public, bool subtree = false, params string[] methods) : IPorticoEndpoint
    {
        public string Path => path;

        public PorticoEndpointAccess Access => access;

        public IReadOnlyList<string> Methods => methods.Length == 0 ? PorticoEndpointTable.GetOnly : methods;

        public bool IsSubtree => subtree;

        public Task HandleAsync(GatewayContext context) => Task.CompletedTask;
    }

    private static PorticoEndpointTable Table() => new("/_portico",
    [
        new Endpoint("/health/live"),
        new Endpoint("/admin/registry", PorticoEndpointAccess.Admin),
        new Endpoint("/admin/backends", PorticoEndpointAccess.Admin, subtree: true, "GET", "DELETE"),
        new Endpoint("/admin/backends/pools", PorticoEndpointAccess.Admin, subtree: true),
    ]);

    [Theory]
    [InlineData("/api/users", "Outside", null)]
    [InlineData("/_porticox/health/live", "Outside", null)]
    [InlineData(null, "Outside", null)]
    [InlineData("/_portico/health/live", "Public", "/health/live")]
    [InlineData("/_PORTICO/Health/LIVE", "Public", "/health/live")]
    [InlineData("/_portico/health/live/", "NotFound", null)]
    [InlineData("/_portico", "NotFound", null)]
    [InlineData("/_portico/", "NotFound", null)]
    [InlineData("/_portico/admin/registry", "Admin", "/admin/registry")]
    [InlineData("/_portico/ADMIN/Registry", "Admin", "/admin/registry")]
    [InlineData("/_portico/admin/nothing-here", "Admin", null)]
    [InlineData("/_portico/Admin", "Admin", null)]
    [InlineData("/_portico/administrator", "NotFound", null)]
    [InlineData("/_portico/admin/registry/more", "Admin", null)]
    [InlineData("/_portico/admin/backends", "Admin", "/admin/backends")]
    [InlineData("/_portico/admin/backends/b-1", "Admin", "/admin/backends")]
    [InlineData("/_portico/admin/backendsx", "Admin", null)]
    [InlineData("/_portico/admin/backends/pools/p-1", "Admin", "/admin/backends/pools")]
    public void Match_Path_FindsItsEndpointOrArea(string? path, string kind, string? endpoint)
    {
        var match = Table().Match(path);

        Assert.Equal(Enum.Parse<PorticoEndpointMatchKind>(kind), match.Kind);
        Assert.Equal(endpoint, match.Endpoint?.Endpoint.Path);
    }

    [Fact]
    public void Match_SubtreePath_MarksWhereTheSubpathStarts()
    {
        const string path = "/_portico/admin/backends/b-1/health";
        var match = Table().Match(path);

        Assert.Equal("/b-1/health", path[match.SubpathStart..]);
    }

    [Fact]
    public void RegisteredEndpoint_Get_ImpliesHeadAndListsBothInAllow()
    {
        var endpoints = Table().Endpoints.ToDictionary(e => e.Endpoint.Path);

        Assert.True(endpoints["/health/live"].Accepts("HEAD"));
        Assert.False(endpoints["/health/live"].Accepts("POST"));
        Assert.Equal("GET, HEAD", endpoints["/health/live"].Allow);
        Assert.Equal("GET, DELETE, HEAD", endpoints["/admin/backends"].Allow);
        Assert.True(endpoints["/admin/backends"].Accepts("DELETE"));
    }

    [Theory]
    [InlineData("/admin/registry", "Public", "not declared Admin")]
    [InlineData("/Admin/stats", "Public", "not declared Admin")]
    [InlineData("/stats", "Admin", "must live under /admin")]
    [InlineData("/health/live/", "Public", "literal segments")]
    [InlineData("/admin/backends/{id}", "Admin", "literal segments")]
    [InlineData("health", "Public", "literal segments")]
    [InlineData("/", "Public", "literal segments")]
    [InlineData("", "Public", "literal segments")]
    [InlineData("//health", "Public", "literal segments")]
    [InlineData("/health//live", "Public", "literal segments")]
    [InlineData("/health/li ve", "Public", "literal segments")]
    [InlineData("/health/l\u00efve", "Public", "literal segments")]
    [InlineData("/health?live", "Public", "literal segments")]
    [InlineData("/health%2Flive", "Public", "literal segments")]
    [InlineData("/health/live\n", "Public", "literal segments")]
    public void Constructor_EndpointOutsideTheLayout_Throws(string path, string access, string message)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new PorticoEndpointTable("/_portico", [new Endpoint(path, Enum.Parse<PorticoEndpointAccess>(access))]));

        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/h")]
    [InlineData("/health/v1.2_beta~x-y/Z9")]
    public void Constructor_LiteralPath_IsAccepted(string path)
    {
        var table = new PorticoEndpointTable("/_portico", [new Endpoint(path)]);

        Assert.Equal(path, Assert.Single(table.Endpoints).Endpoint.Path);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("Get")]
    [InlineData("")]
    [InlineData("GET ")]
    [InlineData("G-T")]
    public void Constructor_MethodNotAnUpperCaseToken_Throws(string method)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new PorticoEndpointTable("/_portico", [new Endpoint("/health/live", PorticoEndpointAccess.Public, false, "GET", method)]));

        Assert.Contains("must name its methods in upper case", ex.Message);
    }

    [Fact]
    public void Constructor_TwoEndpointsOnOnePath_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new PorticoEndpointTable("/_portico", [new Endpoint("/health/live"), new Endpoint("/Health/Live")]));

        Assert.Contains("Two Portico endpoints", ex.Message);
    }

    [Fact]
    public void Match_OrdinaryAndHealthPaths_AllocateNothing()
    {
        var table = Table();
        string[] paths = ["/api/users/42", "/_portico/health/live", "/_portico/admin/registry", "/_portico/nope", "/_portico/admin/backends/b-1"];
        foreach (var path in paths)
        {
            table.Match(path); // first calls may initialise statics
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            foreach (var path in paths)
            {
                table.Match(path);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
