using System.Text.Json.Nodes;
using Portico.Infra.Tests.Support;

namespace Portico.Infra.Tests;

/// <summary>local.settings.sample.json runs the Functions app against Azurite, the one place connection strings are used.</summary>
public sealed class LocalSettingsSampleTests
{
    private static JsonObject Values =>
        Assert.IsType<JsonObject>(JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")))?["Values"]);

    [Theory]
    [InlineData("AzureWebJobsStorage", "UseDevelopmentStorage=true")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME", "dotnet-isolated")]
    [InlineData("Portico__Storage__ConnectionString", "UseDevelopmentStorage=true")]
    public void LocalSettingsSample_Values_TargetAzurite(string name, string expected)
    {
        Assert.Equal(expected, Json.String(Values[name]));
    }

    [Fact]
    public void LocalSettingsSample_Values_ContainNoCredential()
    {
        var findings = Values.SelectMany(pair => SecretPatterns.Matches($"{pair.Key}={Json.Text(pair.Value)}")).ToList();

        Assert.Empty(findings);
    }
}
