using Portico.Cli.Demo;
using Portico.Functions.Tests.Infrastructure;
using Portico.Tests.Infrastructure;

namespace Portico.Functions.Tests.Docs;

/// <summary>The README's curl examples answer exactly as documented through the Functions app, as they do under <c>portico serve</c>.</summary>
public sealed class ReadmeExamplesTests
{
    [Fact]
    public async Task Readme_DemoExamplesThroughTheFunctionsApp_AnswerAsDocumented()
    {
        await using var backends = await DemoBackends.StartAsync(TextWriter.Null, CancellationToken.None, "http://127.0.0.1:0");
        Assert.NotNull(backends);
        var registry = (await File.ReadAllTextAsync(Repository.Path("samples", "demo", "portico.json")))
            .Replace(DemoBackends.DefaultUrl, backends.Url, StringComparison.Ordinal);
        await using var gateway = await FunctionsGateway.StartWithFileAsync(registry);

        await ReadmeExamples.AssertAllAnswerAsDocumentedAsync(gateway.Authority);
    }
}
