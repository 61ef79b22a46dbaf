using System.Text.RegularExpressions;
using Portico.Auth;
using Portico.Hosting;
using Portico.RateLimiting;
using Portico.Resilience;
using Portico.Storage.Tables;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Storage;

/// <summary>
/// The tables the Bicep templates create are exactly the ones Portico uses by default: a table the app needs but
/// the deployment lacks would fail at run time in Azure, where the app's identity may read and write table data
/// but not create tables.
/// </summary>
public sealed partial class TableNamesTests
{
    [Fact]
    public async Task Bicep_PorticoTables_AreTheCodesDefaultTables()
    {
        var bicep = await File.ReadAllTextAsync(Repository.Path("infra", "main.bicep"));
        var list = TablesVariable().Match(bicep);
        Assert.True(list.Success, "infra/main.bicep has no 'var porticoTables = [ … ]'");
        var deployed = QuotedName().Matches(list.Groups[1].Value).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);

        string[] used =
        [
            TableRegistryStore.DefaultTableName,
            TableApiKeyStore.DefaultTableName,
            new RateLimitingOptions().TableName,
            new ResilienceOptions().CircuitBreakerTableName,
            new Portico.Analytics.AnalyticsOptions().TableName,
        ];

        Assert.Equal(used.Order(StringComparer.Ordinal), deployed);
    }

    [GeneratedRegex(@"var porticoTables = \[(.*?)\]", RegexOptions.Singleline)]
    private static partial Regex TablesVariable();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedName();
}
