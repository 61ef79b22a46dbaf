using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using Portico.Auth;
using Portico.Configuration;
using Portico.Dispatch;
using Portico.Proxy;

namespace Portico.WebPubSub;

/// <summary>
/// Compiles a route's <c>webPubSub</c> block into the dispatcher of its kind (negotiate, events or send). Errors name the
/// field under <c>webPubSub</c>; an access key is read from its setting here, once per snapshot, and never echoed.
/// </summary>
internal sealed partial class WebPubSubCompiler(
    UpstreamClient upstreamClient, WebPubSubCredential credential, AuthSecrets secrets, WebPubSubMetrics metrics, TimeProvider time, ILogger<WebPubSubCompiler> logger)
{
    /// <summary>The REST API version used when the route names none.</summary>
    public const string DefaultApiVersion = "2024-01-01";

    /// <summary>The client token lifetime when the route names none.</summary>
    public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromHours(1);

    private static readonly TimeSpan MinTokenLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromHours(24);

    /// <summary>The route's dispatcher; null after reporting every problem to <paramref name="error"/>.</summary>
    public IRouteDispatcher? Compile(
        RouteDefinition route, WebPubSubDefinition definition, RoutePattern? pattern, IReadOnlyDictionary<string, CompiledBackend> backends, Action<string, string> error)
    {
        var failed = false;
        void Error(string field, string message)
        {
            failed = true;
            error("webPubSub." + field, message);
        }

        var endpoint = CompileEndpoint(definition.Endpoint, Error);
        if (!HubName().IsMatch(definition.Hub))
        {
            Error("hub", $"'{definition.Hub}' is not a hub name: a letter, then letters, digits or '_', at most 128 characters");
        }

        var apiVersion = definition.ApiVersion ?? DefaultApiVersion;
        if (!ApiVersion().IsMatch(apiVersion))
        {
            Error("apiVersion", $"'{apiVersion}' is not an API version such as '{DefaultApiVersion}'");
        }

        var useManagedIdentity = definition.Credential is null or "managedIdentity";
        if (definition.Credential is not (null or "managedIdentity" or "accessKey"))
        {
            Error("credential", $"'{definition.Credential}' is not 'managedIdentity' or 'accessKey'");
        }

        var keys = ReadKeys(definition.AccessKeySettings, Error);
        if (definition.Credential == "accessKey" && keys.Length == 0 && definition.AccessKeySettings is null)
        {
            Error("accessKeySettings", "credential 'accessKey' needs the setting that holds the access key");
        }

        CheckKindFields(definition, Error);
        if (failed || endpoint is null)
        {
            return null;
        }

        var service = new WebPubSubService(endpoint, definition.Hub, apiVersion, useManagedIdentity, keys, upstreamClient.Invoker, credential, time);
        return definition.Kind switch
        {
            "negotiate" => CompileNegotiate(route, definition, service, Error),
            "events" => CompileEvents(route, definition, service, backends, Error),
            _ => CompileSend(route, pattern, service, Error),
        };
    }

    private static Uri? CompileEndpoint(string text, Action<string, string> error)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.AbsolutePath != "/" || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            error("endpoint", $"'{text}' is not a service endpoint such as 'https://chat.webpubsub.azure.com' (no path, query or credentials)");
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !(uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address))))
        {
            // Tokens and messages travel to the service: cleartext only to a local emulator.
            error("endpoint", "must be https (http only on a loopback address, for local emulators)");
            return null;
        }

        return uri;
    }

    private string[] ReadKeys(IReadOnlyList<string>? settings, Action<string, string> error)
    {
        if (settings is null)
        {
            return [];
        }

        if (settings.Count is 0 or > 2)
        {
            error("accessKeySettings", "name one or two settings: the primary key's, then the secondary key's");
            return [];
        }

        var keys = new List<string>();
        for (int i = 0; i < settings.Count; i++)
        {
            if (secrets.Get(settings[i]) is { } key)
            {
                keys.Add(key);
            }
            else
            {
                error($"accessKeySettings[{i}]", $"the setting '{settings[i]}' is not set");
            }
        }

        return [.. keys];
    }

    private static void CheckKindFields(WebPubSubDefinition definition, Action<string, string> error)
    {
        if (definition.Kind is not ("negotiate" or "events" or "send"))
        {
            error("kind", $"'{definition.Kind}' is not 'negotiate', 'events' or 'send'");
            return;
        }

        if (definition.Kind != "negotiate")
        {
            foreach (var (field, set) in (ReadOnlySpan<(string, bool)>)[("tokenLifetime", definition.TokenLifetime is not null), ("groups", definition.Groups is not null), ("roles", definition.Roles is not null)])
            {
                if (set)
                {
                    error(field, "only 'negotiate' routes issue client tokens");
                }
            }
        }

        if (definition.Kind != "events" && definition.Events is not null)
        {
            error("events", "only 'events' routes forward events");
        }
    }

    private WebPubSubNegotiateDispatcher? CompileNegotiate(RouteDefinition route, WebPubSubDefinition definition, WebPubSubService service, Action<string, string> error)
    {
        var failed = false;
        var lifetime = DefaultTokenLifetime;
        if (definition.TokenLifetime is { } text && (!Duration.TryParse(text, out lifetime) || lifetime < MinTokenLifetime || lifetime > MaxTokenLifetime))
        {
            error("tokenLifetime", $"'{text}' is not a duration from 1m to 24h");
            failed = true;
        }

        var groups = new List<WebPubSubGroupTemplate>();
        var groupTexts = definition.Groups ?? [];
        for (int i = 0; i < groupTexts.Count; i++)
        {
            if (WebPubSubGroupTemplate.Parse(groupTexts[i], out var problem) is { } template)
            {
                groups.Add(template);
            }
            else
            {
                error($"groups[{i}]", problem!);
                failed = true;
            }
        }

        var roles = definition.Roles ?? [];
        for (int i = 0; i < roles.Count; i++)
        {
            if (!RoleName().IsMatch(roles[i]))
            {
                error($"roles[{i}]", $"'{roles[i]}' is not a role such as 'webpubsub.joinLeaveGroup' or 'webpubsub.sendToGroup.lobby'");
                failed = true;
            }
        }

        return failed ? null : new WebPubSubNegotiateDispatcher(route.Id, service, lifetime, [.. roles], [.. groups], metrics, logger);
    }

    private WebPubSubEventDispatcher? CompileEvents(
        RouteDefinition route, WebPubSubDefinition definition, WebPubSubService service, IReadOnlyDictionary<string, CompiledBackend> backends, Action<string, string> error)
    {
        if (service.AccessKeys.Count == 0 && route.Auth == "anonymous")
        {
            // Nothing would tell the service's events from anyone else's requests.
            error("accessKeySettings", "an 'events' route needs the access keys to check each event's signature, or an 'auth' policy other than 'anonymous' (a jwt policy for the service's managed identity token)");
            return null;
        }

        if (definition.Events is not { Count: > 0 } events)
        {
            error("events", "name the backend call of at least one event ('connect', 'connected', 'disconnected' or a user event such as 'message')");
            return null;
        }

        var failed = false;
        var targets = new Dictionary<string, WebPubSubEventTarget>(StringComparer.Ordinal);
        foreach (var (name, target) in events)
        {
            var at = $"events.{name}";
            if (!EventName().IsMatch(name))
            {
                error(at, $"'{name}' is not an event name");
                failed = true;
            }
            else if (!backends.TryGetValue(target.Backend, out var backend))
            {
                error(at + ".backend", $"unknown backend '{target.Backend}'");
                failed = true;
            }
            else if (!target.Path.StartsWith('/') || target.Path.Contains('{') || target.Path.Contains('#'))
            {
                error(at + ".path", $"'{target.Path}' is not a literal path starting with '/'");
                failed = true;
            }
            else
            {
                targets[name] = new WebPubSubEventTarget(name, backend, backend.UriFor(target.Path));
            }
        }

        return failed ? null : new WebPubSubEventDispatcher(route.Id, service, targets, metrics, logger);
    }

    private WebPubSubSendDispatcher? CompileSend(RouteDefinition route, RoutePattern? pattern, WebPubSubService service, Action<string, string> error)
    {
        if (pattern is not null && pattern.GetParameter(WebPubSubSendDispatcher.TargetParameter) is not { IsCatchAll: true })
        {
            error("kind", $"a 'send' route's match path ends with the catch-all '{{**{WebPubSubSendDispatcher.TargetParameter}}}', such as '/realtime/send/{{**{WebPubSubSendDispatcher.TargetParameter}}}'");
            return null;
        }

        return new WebPubSubSendDispatcher(route.Id, service, metrics, logger);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,127}$")]
    private static partial Regex HubName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(-preview)?$")]
    private static partial Regex ApiVersion();

    [GeneratedRegex(@"^webpubsub\.(joinLeaveGroup|sendToGroup)(\.[^\s]{1,1024})?$")]
    private static partial Regex RoleName();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex EventName();
}
