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

    /// <summary>Refuses a table name Table storage would refuse, as a bad argument (exit code 2) before any request.</summary>
    public static void AcceptOnlyTableNames(Option<string> option) => option.Validators.Add(result =>
    {
        var name = result.GetValueOrDefault<string>();
        if (!TableStorage.IsTableName(name))
        {
            result.AddError($"{option.Name}: '{name}' is not a table name (3 to 63 letters and digits, starting with a letter).");
        }
    });

    public void AddTo(Command command, bool required)
    {
        AcceptOnlyTableNames(Table);
        Storage.Required = required;
        command.Add(Storage);
        command.Add(Table);
    }

    public IRegistryStore CreateStore(ParseResult parsed) =>
        new TableRegistryStore(TableStorage.CreateServiceClient(parsed.GetRequiredValue(Storage)), parsed.GetRequiredValue(Table));
}
