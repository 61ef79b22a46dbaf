using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Portico.Cli.Serve;

namespace Portico.Cli.Admin;

/// <summary>
/// What every command that calls a running gateway's admin API shares: the <c>--url</c>, <c>--prefix</c>, <c>--key</c>
/// and <c>--token</c> options (the credential from the environment by preference, so it stays out of shell history and
/// process lists), one request, and the exit code and message for each way it can fail.
/// </summary>
internal sealed class AdminApiClient
{
    public const string KeyVariable = "PORTICO_ADMIN_KEY";
    public const string TokenVariable = "PORTICO_ADMIN_TOKEN";

    private readonly Option<string> _url = new("--url") { Description = "The gateway's base address.", DefaultValueFactory = _ => ServeCommand.DefaultUrls };
    private readonly Option<string> _prefix = new("--prefix") { Description = "The gateway's Portico:EndpointPrefix.", DefaultValueFactory = _ => "/_portico" };
    private readonly Option<string?> _key = new("--key") { Description = $"An admin key (default: the {KeyVariable} environment variable)." };
    private readonly Option<string?> _token = new("--token") { Description = $"An access token for the admin policy, for example from Entra ID (default: {TokenVariable})." };

    /// <summary>The command's name in messages, for example <c>portico admin registry</c>.</summary>
    public required string CommandName { get; init; }

    /// <summary>Adds the shared options to <paramref name="command"/>.</summary>
    public void AddOptionsTo(Command command)
    {
        command.Options.Add(_url);
        command.Options.Add(_prefix);
        command.Options.Add(_key);
        command.Options.Add(_token);
    }

    /// <summary>
    /// Sends <paramref name="method"/> to <c>{url}{prefix}/admin/{path}</c> and returns the body of a 200 answer with exit
    /// code 0; otherwise writes why to <paramref name="error"/> and returns the exit code (2 for the caller's mistakes
    /// and refused credentials, 3 for an unreachable gateway or another failure) and no body.
    /// </summary>
    public async Task<(int Exit, string? Body)> SendAsync(
        ParseResult parsed, HttpMethod method, string path, HttpContent? content, TextWriter error, CancellationToken ct)
    {
        var url = parsed.GetRequiredValue(_url);
        var prefix = parsed.GetRequiredValue(_prefix);
        var key = parsed.GetValue(_key) ?? Environment.GetEnvironmentVariable(KeyVariable);
        var token = parsed.GetValue(_token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(token))
        {
            await error.WriteLineAsync($"{CommandName}: give an admin key or a token, not both.");
            return (ExitCodes.Invalid, null);
        }

        if (!Uri.TryCreate(url.TrimEnd('/') + "/" + prefix.Trim('/') + "/admin/" + path, UriKind.Absolute, out var address)
            || address.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"{CommandName}: '{url}' is not an http or https address.");
            return (ExitCodes.Invalid, null);
        }

        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(method, address) { Content = content };
        var credential = string.IsNullOrEmpty(key) ? token : key;
        if (!string.IsNullOrEmpty(credential))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential.Trim());
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        string body;
        try
        {
            response = await client.SendAsync(request, ct);
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            await error.WriteLineAsync($"{CommandName}: cannot reach {address.GetLeftPart(UriPartial.Authority)}: {ex.Message}");
            return (ExitCodes.Unavailable, null);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (ExitCodes.Ok, body);
            }

            await error.WriteLineAsync($"{CommandName}: {(int)response.StatusCode} {Describe(body)}");
            return (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest
                ? ExitCodes.Invalid : ExitCodes.Unavailable, null);
        }
    }

    /// <summary>
    /// GETs <paramref name="path"/> and prints the answer: as it is with <paramref name="json"/>, else through
    /// <paramref name="format"/>; an answer that is not the expected JSON is exit code 3, named for <paramref name="what"/>.
    /// </summary>
    public async Task<int> GetAndPrintAsync(
        ParseResult parsed, string path, bool json, Func<JsonElement, string> format, string what, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var (exit, body) = await SendAsync(parsed, HttpMethod.Get, path, null, error, ct);
        if (body is null)
        {
            return exit;
        }

        if (json)
        {
            await output.WriteLineAsync(body.TrimEnd());
            return ExitCodes.Ok;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            await output.WriteAsync(format(document.RootElement));
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            await error.WriteLineAsync($"{CommandName}: the gateway did not answer with the {what} JSON ({ex.Message}).");
            return ExitCodes.Unavailable;
        }
    }

    /// <summary>The problem's code, title and detail; or the start of whatever else came back.</summary>
    private static string Describe(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            var code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? " " + d.GetString() : "";
            return $"{code}: {title}.{detail}";
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
