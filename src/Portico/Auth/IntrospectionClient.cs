using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Portico.Auth;

/// <summary>
/// Calls one RFC 7662 introspection endpoint as a confidential client (HTTP Basic with the form-encoded client id and
/// secret, RFC 6749 §2.3.1) and caches answers by a SHA-256 of the token, never the token itself: active answers until
/// their <c>exp</c> or the configured maximum, inactive ones briefly. Concurrent requests with one token share one
/// call. Long-lived (kept across snapshots while the policy's endpoint settings are unchanged).
/// </summary>
internal sealed class IntrospectionClient
{
    private const int MaxResponseBytes = 64 * 1024;

    private readonly Uri _endpoint;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly TimeSpan _cacheDuration;
    private readonly TimeSpan _inactiveCacheDuration;
    private readonly TimeSpan _timeout;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly AuthMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BoundedCache<UInt128, IntrospectionResult> _cache;
    private readonly ConcurrentDictionary<UInt128, Lazy<Task<IntrospectionResult?>>> _inflight = new();

    public IntrospectionClient(
        Uri endpoint, string clientId, string clientSecret, TimeSpan cacheDuration, TimeSpan inactiveCacheDuration, TimeSpan timeout,
        HttpClient http, TimeProvider time, AuthMetrics metrics, ILogger logger)
    {
        _endpoint = endpoint;
        var credentials = Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret);
        _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        _cacheDuration = cacheDuration;
        _inactiveCacheDuration = inactiveCacheDuration;
        _timeout = timeout;
        _http = http;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _cache = new BoundedCache<UInt128, IntrospectionResult>(time, 100_000);
    }

    /// <summary>The answer for <paramref name="token"/>; null when the endpoint could not give one (down, slow, or nonsense).</summary>
    public ValueTask<IntrospectionResult?> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        var key = BinaryPrimitives.ReadUInt128LittleEndian(hash);
        if (_cache.TryGet(key, out var cached))
        {
            _metrics.Introspections.Add(1, AuthMetrics.Outcome("cached"));
            return ValueTask.FromResult<IntrospectionResult?>(cached);
        }

        return CallAsync(key, token, cancellationToken);
    }

    private async ValueTask<IntrospectionResult?> CallAsync(UInt128 key, string token, CancellationToken cancellationToken)
    {
        var call = _inflight.GetOrAdd(key, k => new Lazy<Task<IntrospectionResult?>>(() => CallAndCacheAsync(k, token)));
        return await call.Value.WaitAsync(cancellationToken);
    }

    private async Task<IntrospectionResult?> CallAndCacheAsync(UInt128 key, string token)
    {
        try
        {
            var result = await PostAsync(token);
            if (result is null)
            {
                _metrics.Introspections.Add(1, AuthMetrics.Outcome("failed"));
                return null;
            }

            var now = _time.GetUtcNow();
            var until = result.Active ? now + _cacheDuration : now + _inactiveCacheDuration;
            if (result.ExpiresAt is { } exp && exp < until)
            {
                until = exp;
            }

            _cache.Set(key, result, until);
            _metrics.Introspections.Add(1, AuthMetrics.Outcome(result.Active ? "active" : "inactive"));
            return result;
        }
        finally
        {
            _inflight.TryRemove(key, out _);
        }
    }

    private async Task<IntrospectionResult?> PostAsync(string token)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_timeout, _time);
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
            {
                Content = new FormUrlEncodedContent([new("token", token), new("token_type_hint", "access_token")]),
            };
            request.Headers.Authorization = _authorization;
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                AuthLog.IntrospectionFailed(_logger, _endpoint.GetLeftPart(UriPartial.Path), $"status {(int)response.StatusCode}");
                return null;
            }

            if (response.Content.Headers.ContentLength > MaxResponseBytes)
            {
                AuthLog.IntrospectionFailed(_logger, _endpoint.GetLeftPart(UriPartial.Path), "response too large");
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var limited = new MemoryStream();
            await CopyLimitedAsync(body, limited, timeout.Token);
            limited.Position = 0;
            using var document = await JsonDocument.ParseAsync(limited, cancellationToken: timeout.Token);
            return Parse(document.RootElement);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or InvalidDataException)
        {
            AuthLog.IntrospectionFailed(_logger, _endpoint.GetLeftPart(UriPartial.Path), ex is OperationCanceledException ? "timed out" : ex.GetType().Name);
            return null;
        }
    }

    private static async Task CopyLimitedAsync(Stream source, MemoryStream target, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (target.Length + read > MaxResponseBytes)
            {
                throw new InvalidDataException("response too large");
            }

            target.Write(buffer, 0, read);
        }
    }

    /// <summary>RFC 7662 §2.2: only <c>"active": true</c> means active; anything else is inactive.</summary>
    internal static IntrospectionResult? Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (!root.TryGetProperty("active", out var active) || active.ValueKind != JsonValueKind.True)
        {
            return IntrospectionResult.Inactive;
        }

        var claims = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            switch (member.Value.ValueKind)
            {
                case JsonValueKind.String:
                    claims[member.Name] = [member.Value.GetString()!];
                    break;
                case JsonValueKind.Number:
                    claims[member.Name] = [member.Value.GetRawText()];
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    claims[member.Name] = [member.Value.ValueKind == JsonValueKind.True ? "true" : "false"];
                    break;
                case JsonValueKind.Array:
                    claims[member.Name] = [.. member.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)];
                    break;
            }
        }

        DateTimeOffset? exp = null;
        if (root.TryGetProperty("exp", out var expValue) && expValue.TryGetInt64(out var seconds))
        {
            exp = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        }

        return new IntrospectionResult
        {
            Active = true,
            Subject = claims.TryGetValue("sub", out var sub) ? sub[0] : null,
            ExpiresAt = exp,
            Scopes = claims.TryGetValue("scope", out var scope) ? scope[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [],
            Audiences = claims.TryGetValue("aud", out var aud) ? aud : [],
            Claims = claims,
        };
    }
}
