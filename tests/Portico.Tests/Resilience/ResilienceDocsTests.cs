using Portico.Tests.Infrastructure;

namespace Portico.Tests.Resilience;

/// <summary>The resilience examples in the README and the configuration guide are valid registries.</summary>
public sealed class ResilienceDocsTests
{
    [Theory]
    [InlineData("README.md", "## Resilience")]
    [InlineData("docs/configuration.md", "### Resilience")]
    public async Task Docs_ResilienceExample_IsAValidRegistry(string file, string heading)
    {
        var text = await File.ReadAllTextAsync(Repository.Path(file));
        var section = text.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(section >= 0, $"{file} has no '{heading}' section");
        var start = text.IndexOf("```json\n", section, StringComparison.Ordinal) + "```json\n".Length;
        var end = text.IndexOf("```", start, StringComparison.Ordinal);

        var errors = await RegistryValidation.ErrorsAsync(text[start..end]);

        Assert.Empty(errors);
    }
}
