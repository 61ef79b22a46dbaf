using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>The README's curl examples answer exactly as shown, against <c>portico serve --demo</c>.</summary>
public sealed class ReadmeExamplesTests
{
    [Fact]
    public async Task Readme_DemoExamples_AnswerAsDocumented()
    {
        await using var gateway = GatewayProcess.Start("serve", "--demo", "--urls", "http://127.0.0.1:0");
        var authority = new Uri(await gateway.WaitUntilListeningAsync()).Authority;
        await ReadmeExamples.AssertAllAnswerAsDocumentedAsync(authority);
    }
}
