using System.CommandLine;
using Portico.Registry;
using Portico.Storage.Tables;

namespace Portico.Cli;

/// <summary>The <c>--storage</c> and <c>--table</c> options shared by the commands that reach Table storage.</summary>
internal sealed class StorageArguments
{
    public Option<string> Storage { get; } = new("--storage")
    {
        Description = "Table storage: a connection string (Azurite: UseDevelopmentStorage=true) or an account endpoint such as https://ACCOUNT.table.core.windows.net (uses your Azure login or managed identity).",
    };

    public Option<string> Table { get; } = new("--table")
    {
        Description = "The registry table.",
        DefaultValueFactory = _ => TableRegistryStore.DefaultTableName,
    };

    public void AddTo(Command command, bool required)
    {
        Storage.Required = required;
        command.Add(Storage);
        command.Add(Table);
    }

    public IRegistryStore CreateStore(ParseResult parsed) =>
        new TableRegistryStore(TableStorage.CreateServiceClient(parsed.GetRequiredValue(Storage)), parsed.GetRequiredValue(Table));
}
