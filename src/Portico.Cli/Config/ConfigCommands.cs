using System.CommandLine;
using Portico.Configuration;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Storage;

namespace Portico.Cli.Config;

/// <summary>
/// <c>portico config validate|import|export|diff</c>: move a declarative registry file into, out of and against
/// Table storage. A file is always validated with the gateway's own compiler before anything is written.
/// </summary>
internal static class ConfigCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var config = new Command("config", "Validate, import, export and diff registry configuration.");
        config.Add(Validate(output, error));
        config.Add(Import(output, error));
        config.Add(Export(output, error));
        config.Add(Diff(output, error));
        return config;
    }

    private static Argument<FileInfo> FileArgument() => new("FILE") { Description = "A declarative registry file (JSON, or YAML for .yaml and .yml)." };

    private static Command Validate(TextWriter output, TextWriter error)
    {
        var file = FileArgument();
        var command = new Command("validate", "Check a registry file; prints every error with its line and field.") { file };
        command.SetAction(async (parsed, ct) =>
        {
            var path = parsed.GetRequiredValue(file);
            var (code, snapshot) = await ValidateFileAsync("portico config validate", path, error, ct);
            if (code != ExitCodes.Ok)
            {
                return code;
            }

            await output.WriteLineAsync($"{path}: valid ({snapshot!.Document.Backends.Count} backends, {snapshot.Routes.Routes.Length} routes)");
            if (snapshot.Routes.Routes.Length == 0)
            {
                await error.WriteLineAsync($"portico config validate: warning: {path} has no routes: a gateway serving it answers 404 to every request, "
                    + "and a running gateway refuses it as a reload unless Portico:Registry:AllowEmpty is true.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import(TextWriter output, TextWriter error)
    {
        var file = FileArgument();
        file.Arity = ArgumentArity.ZeroOrOne;
        var storage = new StorageArguments();
        var openApi = new OpenApi.OpenApiImport();
        var prune = new Option<bool>("--prune") { Description = "Also remove items the file does not name." };
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "Import even when the result has no routes while the table has some (gateways also need Portico:Registry:AllowEmpty)." };
        var command = new Command("import", "Upsert a registry file into Table storage (idempotent); running gateways pick it up within their reload interval. With --openapi, generate routes from an OpenAPI document.") { file, prune, allowEmpty };
        storage.AddTo(command, required: false);
        openApi.AddTo(command);
        command.SetAction(async (parsed, ct) =>
        {
            if (openApi.IsRequested(parsed))
            {
                return await openApi.RunAsync(parsed, storage, output, error, ct);
            }

            if (parsed.GetValue(file) is null || parsed.GetValue(storage.Storage) is null)
            {
                await error.WriteLineAsync("portico config import: FILE and --storage are required (or --openapi SPEC to generate routes from an OpenAPI document).");
                return ExitCodes.Invalid;
            }

            var (code, snapshot) = await ValidateFileAsync("portico config import", parsed.GetRequiredValue(file), error, ct);
            if (code != ExitCodes.Ok)
            {
                return code;
            }

            var store = storage.CreateStore(parsed);
            var pruning = parsed.GetValue(prune);
            var document = snapshot!.Document;
            if ((await store.LoadAsync(ct)).Document is { } live)
            {
                document = await KeepRevocationsAsync(document, live, store.Description, error);
                var merged = RegistrySection.All.Aggregate(live, (doc, section) => section.Merge(doc, document, pruning));
                if (merged.Routes.Count == 0 && live.Routes.Count > 0 && !parsed.GetValue(allowEmpty))
                {
                    await error.WriteLineAsync($"portico config import: the import would leave {store.Description} with no routes (it has {live.Routes.Count}): "
                        + "every request would answer 404, and running gateways refuse such a reload. Nothing was written; pass --allow-empty if this is intended.");
                    return ExitCodes.Invalid;
                }
            }

            var diff = await store.ImportAsync(document, pruning, ct);
            if (!pruning)
            {
                // Without --prune the result could still be invalid (a kept route naming a backend the file
                // changed); check the merged registry so the operator hears about it now, not from the gateway log.
                var (outcome, _) = await RegistryCheck.RunAsync(store, ct);
                if (outcome.Errors.Count > 0)
                {
                    await WriteErrorsAsync(error, store.Description, outcome.Errors);
                    await error.WriteLineAsync("The import was written, but the merged registry is invalid: gateways keep their last good configuration until it is fixed.");
                    return ExitCodes.Invalid;
                }
            }

            await output.WriteLineAsync(diff.IsEmpty ? "No changes." : diff.ToString());
            await output.WriteLineAsync($"Imported into {store.Description}: {diff.Changes.Count} change(s).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(TextWriter output, TextWriter error)
    {
        var storage = new StorageArguments();
        var target = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("export", "Write the registry held in Table storage as a declarative file.") { target };
        storage.AddTo(command, required: true);
        command.SetAction(async (parsed, ct) =>
        {
            if (parsed.GetValue(target) is { } outputFile && Directory.Exists(outputFile.FullName))
            {
                await error.WriteLineAsync($"portico config export: {outputFile}: is a directory, not a file");
                return ExitCodes.Unavailable;
            }

            var (store, live) = await LoadTableAsync(storage, parsed, error, ct);
            if (live is null)
            {
                return ExitCodes.Invalid;
            }

            if (IsEmpty(live))
            {
                await error.WriteLineAsync($"portico config export: {store.Description} holds no registry: nothing was imported into it, or --table names another table.");
                return ExitCodes.Unavailable;
            }

            var bytes = RegistrySerializer.SerializeDocument(live);
            if (parsed.GetValue(target) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, bytes, ct);
            }
            else
            {
                await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(bytes));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff(TextWriter output, TextWriter error)
    {
        var file = FileArgument();
        var storage = new StorageArguments();
        var json = new Option<bool>("--json") { Description = "Print the differences as JSON (every changed field with its old and new value), for CI." };
        var command = new Command("diff", "Show what importing a file with --prune would change: + added, - removed, ~ changed with each field old → new. Exit code 1 when there are differences.") { file, json };
        storage.AddTo(command, required: true);
        command.SetAction(async (parsed, ct) =>
        {
            var (code, snapshot) = await ValidateFileAsync("portico config diff", parsed.GetRequiredValue(file), error, ct);
            if (code != ExitCodes.Ok)
            {
                return code;
            }

            var (store, live) = await LoadTableAsync(storage, parsed, error, ct);
            if (live is null)
            {
                return ExitCodes.Invalid;
            }

            if (IsEmpty(live))
            {
                await error.WriteLineAsync($"portico config diff: note: {store.Description} holds no registry yet (nothing was imported into it, or --table names another table).");
            }

            var diff = RegistryDiff.Compute(live, snapshot!.Document);
            var redact = await FileRedactionAsync(parsed.GetRequiredValue(file), ct);
            await output.WriteLineAsync(parsed.GetValue(json) ? DiffReport.Json(diff, redact) : DiffReport.Text(diff, redact));
            return diff.IsEmpty ? ExitCodes.Ok : ExitCodes.Differences;
        });
        return command;
    }

    /// <summary>Reads and validates a registry file: <see cref="ExitCodes.Ok"/> with its snapshot, or the exit code with the reason written.</summary>
    private static async Task<(int Code, GatewaySnapshot? Snapshot)> ValidateFileAsync(string command, FileInfo path, TextWriter error, CancellationToken ct)
    {
        if (InputFile.Problem(path.ToString()) is { } problem)
        {
            await error.WriteLineAsync($"{command}: {problem}");
            return (ExitCodes.Unavailable, null);
        }

        using var store = new FileRegistryStore(path.ToString(), watch: false);
        var (outcome, snapshot) = await RegistryCheck.RunAsync(store, ct);
        if (outcome.Kind == ReloadKind.Failed)
        {
            throw outcome.Exception!;
        }

        if (outcome.Errors.Count > 0)
        {
            await WriteErrorsAsync(error, path.ToString(), outcome.Errors);
            return (ExitCodes.Invalid, null);
        }

        return (ExitCodes.Ok, snapshot);
    }

    /// <summary>The registry held in the table the command line names; a null document (its errors written) when it cannot be read as one.</summary>
    private static async Task<(IRegistryStore Store, RegistryDocument? Document)> LoadTableAsync(StorageArguments storage, ParseResult parsed, TextWriter error, CancellationToken ct)
    {
        var store = storage.CreateStore(parsed);
        var loaded = await store.LoadAsync(ct);
        if (loaded.Document is null)
        {
            await WriteErrorsAsync(error, store.Description, loaded.Errors);
        }

        return (store, loaded.Document);
    }

    /// <summary>How to hide the values a valid file took from the environment (its <c>${NAME}</c> references).</summary>
    private static async Task<Func<string, string>> FileRedactionAsync(FileInfo path, CancellationToken ct)
    {
        using var store = new FileRegistryStore(path.ToString(), watch: false);
        return (await store.LoadAsync(ct)).Redact;
    }

    private static bool IsEmpty(RegistryDocument document) => RegistrySection.All.All(section => section.Read(document).Count == 0);

    /// <summary>
    /// A key revoked in storage (portico keys revoke --storage) stays revoked when the file still says active: an import
    /// never undoes a revocation (docs/cli.md). The operator is told, so the file can be brought in line.
    /// </summary>
    private static async Task<RegistryDocument> KeepRevocationsAsync(RegistryDocument document, RegistryDocument live, string store, TextWriter error)
    {
        var revoked = live.ApiKeys.Where(k => k.Status == "revoked").Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
        var undone = document.ApiKeys.Where(k => (k.Status is null or "active") && revoked.Contains(k.Id)).ToList();
        foreach (var key in undone)
        {
            await error.WriteLineAsync($"portico config import: warning: API key {key.Id} is revoked in {store} but active in the file; it stays revoked "
                + "(an import never undoes a revocation). Mark it \"revoked\" in the file, or remove it and create a new key.");
        }

        return undone.Count == 0
            ? document
            : document with { ApiKeys = [.. document.ApiKeys.Select(k => undone.Contains(k) ? k with { Status = "revoked" } : k)] };
    }

    private static async Task WriteErrorsAsync(TextWriter error, string source, IReadOnlyList<ConfigurationError> errors)
    {
        await error.WriteLineAsync($"{source}: {errors.Count} error(s):");
        foreach (var e in errors)
        {
            await error.WriteLineAsync("  " + e);
        }
    }
}
