using Portico.Cli.Demo;

namespace Portico.Tests.Cli;

/// <summary>The demo backends behind the README's examples, on an address of the caller's choosing.</summary>
public sealed class DemoBackendsTests
{
    [Fact]
    public async Task StartAsync_PortZero_ListensOnTheBoundPortAndServesTheDemoUser()
    {
        await using var backends = await DemoBackends.StartAsync(TextWriter.Null, CancellationToken.None, "http://127.0.0.1:0");
        Assert.NotNull(backends);
        var port = new Uri(backends.Url).Port;
        Assert.NotEqual(0, port);
        Assert.NotEqual(7080, port);

        using var client = new HttpClient();
        Assert.Equal("""{"id":"42","name":"Ada Lovelace","plan":"pro"}""", await client.GetStringAsync(backends.Url + "/users/42"));
    }
}
