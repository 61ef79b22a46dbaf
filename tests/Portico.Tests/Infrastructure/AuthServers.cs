using Microsoft.AspNetCore.Http;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// The two servers every test of authenticated routes needs: a real authorization server and a recording backend.
/// Subclass it to add what a class needs. As an xunit class fixture its servers are shared by the class's tests (run
/// one at a time), which then measure counters from before their own calls; as the base of a test class, xunit starts
/// and stops a fresh set around each test.
/// </summary>
public class AuthServers : IAsyncLifetime
{
    public TestAuthorizationServer Idp { get; private set; } = null!;

    /// <summary>The backend the routes call; it answers with <see cref="BackendHandler"/>.</summary>
    public TestBackend Backend { get; private set; } = null!;

    /// <summary>How <see cref="Backend"/> answers (a JSON echo of the request unless overridden).</summary>
    protected virtual RequestDelegate? BackendHandler => null;

    public virtual async Task InitializeAsync()
    {
        Idp = await TestAuthorizationServer.StartAsync();
        Backend = await TestBackend.StartAsync(BackendHandler);
    }

    public virtual async Task DisposeAsync()
    {
        await Backend.DisposeAsync();
        await Idp.DisposeAsync();
    }
}
