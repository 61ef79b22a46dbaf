using System.CommandLine;
using Portico.Configuration;
using Portico.Registry;
using Portico.Storage.File;
using Portico.Validation.OpenApi;

namespace Portico.Cli.Config.OpenApi;

/// <summary>
/// <c>portico config import --openapi SPEC --backend NAME --auth POLICY (--config FILE | --storage S)</c> (issue 22): routes
/// generated from an OpenAPI 3.0/3.1 document, validated by it. Re-importing shows the field-level diff and changes only
/// what changed; hand-written routes are never touched. A JSON registry file is edited in place (only the affected
/// route lines); a YAML one, or a layout that cannot be edited, is left as it was and the routes are printed to paste.
/// </summary>
internal sealed class OpenApiImport
{
    private const string Command = "portico config import";

    public Option<FileInfo?> Document { get; } = new("--openapi") { Description = "Generate routes from this OpenAPI 3.0 or 3.1 document (JSON or YAML), validated by it." };

    public Option<string?> Backend { get; } = new("--backend") { Description = "With --openapi: the backend the generated routes proxy to." };

    public Option<string?> Auth { get; } = new("--auth") { Description = "With --openapi: the authentication policy of new generated routes ('anonymous' for public ones)." };

    public Option<FileInfo?> Config { get; } = new("--config") { Description = "With --openapi: the registry file to add the routes to (instead of --storage)." };

    public Option<string?> IdPrefix { get; } = new("--id-prefix") { Description = "With --openapi: prefix of generated route ids (default: the backend's id and a dot)." };

    public Option<string?> PathPrefix { get; } = new("--path-prefix") { Description = "With --openapi: prefix of generated match paths, for example /v1." };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "With --openapi: show what would change and write nothing." };

    public void AddTo(Command command)
    {
        command.Add(Document);
        command.Add(Backend);
        command.Add(Auth);
        command.Add(Config);
        command.Add(IdPrefix);
        command.Add(PathPrefix);
        command.Add(DryRun);
    }

    public bool IsRequested(ParseResult parsed) => parsed.GetValue(Document) is not null;

    public async Task<int> RunAsync(ParseResult parsed, StorageArguments storage, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var specFile = parsed.GetValue(Document)!;
        var configFile = parsed.GetValue(Config);
        var connection = parsed.GetValue(storage.Storage);
        if (parsed.GetValue(Backend) is not { Length: > 0 } backend || parsed.GetValue(Auth) is not { Length: > 0 } auth)
        {
            await error.WriteLineAsync($"{Command}: --openapi needs --backend NAME and --auth POLICY (the policy of the generated routes; 'anonymous' for public ones).");
            return ExitCodes.Invalid;
        }

        if ((configFile is null) == (connection is null))
        {
            await error.WriteLineAsync($"{Command}: with --openapi, choose one of --config FILE or --storage CONNECTION_OR_ENDPOINT.");
            return ExitCodes.Invalid;
        }

        foreach (var file in new[] { specFile, configFile }.OfType<FileInfo>())
        {
            if (InputFile.Problem(file.ToString()) is { } problem)
            {
                await error.WriteLineAsync($"{Command}: {problem}");
                return ExitCodes.Unavailable;
            }
        }

        var spec = OpenApiSpec.Load(specFile.FullName, null, out var specProblem);
        if (spec is null)
        {
            await error.WriteLineAsync($"{Command}: {specProblem}");
            return ExitCodes.Invalid;
        }

        // In a file the reference is relative to the registry file, so the two can move together; in storage it is absolute.
        var reference = configFile is null
            ? specFile.FullName
            : Path.GetRelativePath(configFile.Directory!.FullName, specFile.FullName).Replace(Path.DirectorySeparatorChar, '/');
        var generator = new OpenApiRouteGenerator(spec, reference, backend, auth, parsed.GetValue(IdPrefix) ?? backend + ".", parsed.GetValue(PathPrefix) ?? "");
        return configFile is not null
            ? await IntoFileAsync(configFile, generator, parsed.GetValue(DryRun), output, error, ct)
            : await IntoStorageAsync(storage.CreateStore(parsed), generator, parsed.GetValue(DryRun), output, error, ct);
    }

    private static async Task<int> IntoFileAsync(FileInfo file, OpenApiRouteGenerator generator, bool dryRun, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(file.FullName, ct);
        var yaml = YamlRegistryReader.IsYaml(file.FullName);
        var json = bytes;
        if (yaml)
        {
            var converted = YamlRegistryReader.Convert(bytes, file.ToString());
            if (converted.Json is null)
            {
                return await FailAsync(error, file.ToString(), [converted.Error!]);
            }

            json = converted.Json;
        }

        var parsedFile = RegistrySerializer.ParseDocument(json.AsSpan().StartsWith("\uFEFF"u8) ? json[3..] : json, file.ToString());
        if (parsedFile.Value is not { } current)
        {
            return await FailAsync(error, file.ToString(), parsedFile.Errors);
        }

        var (intended, code) = await PlanAsync(current, generator, output, error);
        if (intended is null || dryRun)
        {
            return code;
        }

        var edited = yaml ? null : RouteArrayEdit.Apply(bytes, current, intended);
        var check = Path.Combine(file.Directory!.FullName, $".{file.Name}.{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllBytesAsync(check, edited ?? RegistrySerializer.SerializeDocument(intended), ct);
            using (var store = new FileRegistryStore(check, watch: false))
            {
                var (outcome, _) = await RegistryCheck.RunAsync(store, ct);
                if (outcome.Errors.Count > 0)
                {
                    await error.WriteLineAsync($"{Command}: the registry with the generated routes would be invalid; {file} is unchanged.");
                    return await FailAsync(error, file.ToString(), [.. outcome.Errors.Select(e => e with { Location = e.Location?.Replace(check, file.ToString(), StringComparison.Ordinal) })]);
                }
            }

            if (edited is null)
            {
                await PrintToPasteAsync(current, intended, file.ToString(), yaml, error);
                return ExitCodes.Unavailable;
            }

            File.Move(check, file.FullName, overwrite: true);
        }
        finally
        {
            File.Delete(check);
        }

        await output.WriteLineAsync($"Updated {file}.");
        return ExitCodes.Ok;
    }

    private static async Task<int> IntoStorageAsync(IRegistryStore store, OpenApiRouteGenerator generator, bool dryRun, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(ct);
        if (loaded.Document is not { } current)
        {
            return await FailAsync(error, store.Description, loaded.Errors);
        }

        var (intended, code) = await PlanAsync(current, generator, output, error);
        if (intended is null || dryRun)
        {
            return code;
        }

        using (var directory = new TemporaryDirectory())
        {
            var check = Path.Combine(directory.Path, "registry.json");
            await File.WriteAllBytesAsync(check, RegistrySerializer.SerializeDocument(intended), ct);
            using var checkStore = new FileRegistryStore(check, watch: false);
            var (outcome, _) = await RegistryCheck.RunAsync(checkStore, ct);
            if (outcome.Errors.Count > 0)
            {
                await error.WriteLineAsync($"{Command}: the registry with the generated routes would be invalid; nothing was written.");
                return await FailAsync(error, store.Description, outcome.Errors);
            }
        }

        var diff = await store.ImportAsync(intended, prune: true, ct);
        await output.WriteLineAsync($"Imported into {store.Description}: {diff.Changes.Count} change(s).");
        return ExitCodes.Ok;
    }

    /// <summary>The registry after the import, with its diff printed; null with the exit code when there is nothing to write or a conflict.</summary>
    private static async Task<(RegistryDocument? Intended, int Code)> PlanAsync(RegistryDocument current, OpenApiRouteGenerator generator, TextWriter output, TextWriter error)
    {
        var conflicts = new List<string>();
        var intended = generator.Apply(current, conflicts);
        foreach (var conflict in conflicts)
        {
            await error.WriteLineAsync($"{Command}: {conflict}");
        }

        if (conflicts.Count > 0)
        {
            return (null, ExitCodes.Invalid);
        }

        var diff = RegistryDiff.Compute(current, intended);
        await output.WriteLineAsync(DiffReport.Text(diff, text => text));
        return diff.IsEmpty ? (null, ExitCodes.Ok) : (intended, ExitCodes.Ok);
    }

    private static async Task PrintToPasteAsync(RegistryDocument current, RegistryDocument intended, string file, bool yaml, TextWriter error)
    {
        var before = current.Routes.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var after = intended.Routes.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        await error.WriteLineAsync(yaml
            ? $"{Command}: {file} is YAML, which is not edited in place; it is unchanged. Make these changes to its routes (each line is valid YAML as written):"
            : $"{Command}: the layout of {file} cannot be edited in place; it is unchanged. Make these changes to its routes:");
        foreach (var route in intended.Routes)
        {
            if (!before.TryGetValue(route.Id, out var old))
            {
                await error.WriteLineAsync("  add:     " + RouteArrayEdit.Line(route));
            }
            else if (RouteArrayEdit.Line(old) != RouteArrayEdit.Line(route))
            {
                await error.WriteLineAsync("  replace: " + RouteArrayEdit.Line(route));
            }
        }

        foreach (var id in before.Keys.Where(id => !after.Contains(id)))
        {
            await error.WriteLineAsync($"  remove:  route '{id}'");
        }
    }

    private static async Task<int> FailAsync(TextWriter error, string source, IReadOnlyList<ConfigurationError> errors)
    {
        await error.WriteLineAsync($"{source}: {errors.Count} error(s):");
        foreach (var e in errors)
        {
            await error.WriteLineAsync("  " + e);
        }

        return ExitCodes.Invalid;
    }
}
