using System.CommandLine;
using Portico.Auth;
using Portico.Configuration;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Storage.Tables;

namespace Portico.Cli.Keys;

/// <summary>
/// <c>portico keys create|list|revoke</c>: API keys for consumers. A key is generated here, printed once and stored
/// only as a SHA-256 hash: in the registry file's <c>apiKeys</c> (<c>--config</c>, DB-less mode) or in the key table
/// (<c>--storage</c>). A consumer holds at most two active keys, so a key can be rotated without downtime.
/// </summary>
internal static class KeysCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var keys = new Command("keys", "Create, list and revoke API keys.");
        keys.Add(CreateKey(output, error));
        keys.Add(List(output, error));
        keys.Add(Revoke(output, error));
        return keys;
    }

    private sealed class Target
    {
        public Option<FileInfo?> Config { get; } = new("--config") { Description = "The registry file (DB-less mode): keys go in its 'apiKeys' section." };

        public StorageArguments Storage { get; } = new();

        public Option<string> KeysTable { get; } = new("--keys-table")
        {
            Description = "The API key table in Table storage.",
            DefaultValueFactory = _ => TableApiKeyStore.DefaultTableName,
        };

        public void AddTo(Command command)
        {
            command.Add(Config);
            Storage.AddTo(command, required: false);
            StorageArguments.AcceptOnlyTableNames(KeysTable);
            command.Add(KeysTable);
        }

        /// <summary>The chosen store, or an error message with its exit code.</summary>
        public (KeyTarget? Target, string? Error, int ExitCode) Open(ParseResult parsed)
        {
            var file = parsed.GetValue(Config);
            var storage = parsed.GetValue(Storage.Storage);
            if ((file is null) == (storage is null))
            {
                return (null, "choose one of --config FILE or --storage CONNECTION_OR_ENDPOINT.", ExitCodes.Invalid);
            }

            if (file is not null)
            {
                return InputFile.Problem(file.ToString()) is { } problem
                    ? (null, problem, ExitCodes.Unavailable)
                    : (new KeyTarget(new FileRegistryStore(file.ToString(), watch: false), null) { File = file.ToString() }, null, ExitCodes.Ok);
            }

            var service = TableStorage.CreateServiceClient(storage!);
            return (new KeyTarget(
                new TableRegistryStore(service, parsed.GetRequiredValue(Storage.Table)),
                new TableApiKeyStore(service, parsed.GetRequiredValue(KeysTable))), null, ExitCodes.Ok);
        }
    }

    /// <summary>A registry store, and in Table mode the key table beside it.</summary>
    private sealed record KeyTarget(IRegistryStore Registry, TableApiKeyStore? Table)
    {
        /// <summary>The registry file in DB-less mode.</summary>
        public string? File { get; init; }

        public async Task<RegistryDocument> LoadAsync(CancellationToken ct)
        {
            var loaded = await Registry.LoadAsync(ct);
            return loaded.Document ?? throw new RegistryLoadException(Registry.Description, loaded.Errors);
        }

        public async Task<List<ApiKeyDefinition>> AllKeysAsync(RegistryDocument document, string? consumer, CancellationToken ct)
        {
            var keys = document.ApiKeys.Where(k => consumer is null || k.Consumer == consumer).ToList();
            if (Table is not null)
            {
                keys.AddRange(await Table.ListAsync(consumer, ct));
            }

            return keys;
        }
    }

    private static Command CreateKey(TextWriter output, TextWriter error)
    {
        var consumer = new Option<string>("--consumer") { Description = "The consumer the key belongs to.", Required = true };
        var target = new Target();
        var command = new Command("create", "Generate an API key for a consumer; the key is printed once and only its hash is stored.") { consumer };
        target.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var (store, problem, code) = target.Open(parsed);
            if (store is null)
            {
                await error.WriteLineAsync($"portico keys create: {problem}");
                return code;
            }

            var consumerId = parsed.GetRequiredValue(consumer);
            var document = await store.LoadAsync(ct);
            if (!document.Consumers.Any(c => c.Id == consumerId))
            {
                await error.WriteLineAsync($"portico keys create: unknown consumer '{consumerId}' in {store.Registry.Description}.");
                return ExitCodes.Invalid;
            }

            var active = (await store.AllKeysAsync(document, consumerId, ct)).Count(k => k.Status is null or "active");
            if (active >= 2)
            {
                await error.WriteLineAsync($"portico keys create: consumer '{consumerId}' already has two active keys; revoke one first ('portico keys list --consumer {consumerId}').");
                return ExitCodes.Invalid;
            }

            var (key, id) = ApiKeyFormat.Generate();
            var definition = new ApiKeyDefinition
            {
                Id = id,
                Consumer = consumerId,
                Hash = ApiKeyFormat.Hash(key),
                Status = "active",
                Created = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            };
            if (store.Table is not null)
            {
                if (!await store.Table.CreateAsync(definition, ct))
                {
                    await error.WriteLineAsync("portico keys create: key id collision; run the command again.");
                    return ExitCodes.Unavailable;
                }
            }
            else if (!await EditFileAsync(store.File!, bytes => ApiKeyFileEdit.AddKey(bytes, definition), ct))
            {
                await error.WriteLineAsync($"portico keys create: {store.File}: the file's layout could not be edited in place, so it was left unchanged.");
                await error.WriteLineAsync($"Add this entry to its \"apiKeys\" array yourself, then give the key below to the consumer:");
                await error.WriteLineAsync("  " + ApiKeyFileEdit.Entry(definition));
                await output.WriteLineAsync(key);
                return ExitCodes.Unavailable;
            }

            // The key alone on standard output (KEY=$(portico keys create …) works); the note on standard error.
            await output.WriteLineAsync(key);
            await error.WriteLineAsync($"Created API key {id} for consumer '{consumerId}' in {store.Table?.Description ?? store.Registry.Description}. It is shown only now: store it safely.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var consumer = new Option<string?>("--consumer") { Description = "Only this consumer's keys." };
        var target = new Target();
        var command = new Command("list", "List API keys (ids, consumers, status; never keys or hashes).") { consumer };
        target.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var (store, problem, code) = target.Open(parsed);
            if (store is null)
            {
                await error.WriteLineAsync($"portico keys list: {problem}");
                return code;
            }

            var document = await store.LoadAsync(ct);
            var keys = await store.AllKeysAsync(document, parsed.GetValue(consumer), ct);
            await output.WriteLineAsync("ID            CONSUMER                STATUS   CREATED");
            foreach (var key in keys.OrderBy(k => k.Consumer, StringComparer.Ordinal).ThenBy(k => k.Created, StringComparer.Ordinal))
            {
                await output.WriteLineAsync($"{key.Id,-13} {key.Consumer,-23} {key.Status ?? "active",-8} {key.Created}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("KEY_ID") { Description = "The key id (the 12 characters after 'pk_'), as 'keys list' shows it." };
        var target = new Target();
        var command = new Command("revoke", "Revoke an API key; gateways refuse it within the key cache duration (30 s by default).") { id };
        target.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            var (store, problem, code) = target.Open(parsed);
            if (store is null)
            {
                await error.WriteLineAsync($"portico keys revoke: {problem}");
                return code;
            }

            var keyId = parsed.GetRequiredValue(id);
            var document = await store.LoadAsync(ct);
            if (document.ApiKeys.FirstOrDefault(k => k.Id == keyId) is { } declared)
            {
                if (store.File is null)
                {
                    await store.Registry.ImportAsync(new RegistryDocument { ApiKeys = [declared with { Status = "revoked" }] }, prune: false, ct);
                    await error.WriteLineAsync($"Key {keyId} is declared in the registry file imported into {store.Registry.Description}: a later 'portico config import' keeps it revoked even where the file says active. Mark it \"revoked\" in the file too.");
                }
                else if (!await EditFileAsync(store.File, bytes => ApiKeyFileEdit.Revoke(bytes, keyId), ct))
                {
                    await error.WriteLineAsync($"portico keys revoke: {store.File}: the file's layout could not be edited in place, so it was left unchanged.");
                    await error.WriteLineAsync($"Set \"status\": \"revoked\" on key '{keyId}' in its \"apiKeys\" array yourself.");
                    return ExitCodes.Unavailable;
                }
            }
            else if (store.Table is null || !await store.Table.RevokeAsync(keyId, ct))
            {
                await error.WriteLineAsync($"portico keys revoke: no key '{keyId}'.");
                return ExitCodes.Invalid;
            }

            await output.WriteLineAsync($"Revoked API key {keyId}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> with <paramref name="edit"/>'s result, beside it and renamed over it so a watching
    /// gateway never reads half a file, keeping its permissions; false (nothing written) when the edit declines.
    /// </summary>
    private static async Task<bool> EditFileAsync(string path, Func<byte[], byte[]?> edit, CancellationToken ct)
    {
        var edited = edit(await File.ReadAllBytesAsync(path, ct));
        if (edited is null)
        {
            return false;
        }

        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        await File.WriteAllBytesAsync(temp, edited, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
        }

        File.Move(temp, path, overwrite: true);
        return true;
    }
}
