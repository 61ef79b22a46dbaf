using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Portico.Cli.Serve;

namespace Portico.Cli.Admin;

/// <summary>
/// <c>portico admin registry</c>: reads <c>GET {prefix}/admin/registry</c> of a running gateway and prints it as tables,
/// or as the API's JSON with <c>--json</c>. The credential comes from the environment by preference, so it stays out
/// of shell history and process lists.
/// </summary>
internal static class AdminRegistryCommand
{
    public const string KeyVariable = "PORTICO_ADMIN_KEY";
    public const string TokenVariable = "PORTICO_ADMIN_TOKEN";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var url = new Option<string>("--url") { Description = "The gateway's base address.", DefaultValueFactory = _ => ServeCommand.DefaultUrls };
        var prefix = new Option<string>("--prefix") { Description = "The gateway's Portico:EndpointPrefix.", DefaultValueFactory = _ => "/_portico" };
        var key = new Option<string?>("--key") { Description = $"An admin key (default: the {KeyVariable} environment variable)." };
        var token = new Option<string?>("--token") { Description = $"An access token for the admin policy, for example from Entra ID (default: {TokenVariable})." };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON answer as it is." };
        var command = new Command("registry", "Show the live registry of a running gateway (secrets hidden), its revision, and the last refused revision with its errors.")
        {
            url, prefix, key, token, json,
        };
        command.SetAction((parsed, ct) => RunAsync(
            parsed.GetRequiredValue(url), parsed.GetRequiredValue(prefix),
            parsed.GetValue(key) ?? Environment.GetEnvironmentVariable(KeyVariable),
            parsed.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable),
            parsed.GetValue(json), output, error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string url, string prefix, string? key, string? token, bool json, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(token))
        {
            await error.WriteLineAsync("portico admin registry: give an admin key or a token, not both.");
            return ExitCodes.Invalid;
        }

        if (!Uri.TryCreate(url.TrimEnd('/') + "/" + prefix.Trim('/') + "/admin/registry", UriKind.Absolute, out var address)
            || address.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"portico admin registry: '{url}' is not an http or https address.");
            return ExitCodes.Invalid;
        }

        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
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
            await error.WriteLineAsync($"portico admin registry: cannot reach {address.GetLeftPart(UriPartial.Authority)}: {ex.Message}");
            return ExitCodes.Unavailable;
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await error.WriteLineAsync($"portico admin registry: {(int)response.StatusCode} {Describe(body)}");
                return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ExitCodes.Invalid : ExitCodes.Unavailable;
            }

            if (json)
            {
                await output.WriteLineAsync(body.TrimEnd());
                return ExitCodes.Ok;
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                await output.WriteAsync(RegistryReport.Format(document.RootElement));
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                await error.WriteLineAsync($"portico admin registry: {address} did not answer with the admin registry JSON ({ex.Message}).");
                return ExitCodes.Unavailable;
            }
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
