using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portico.Configuration;

namespace Portico.Discovery.Sources;

/// <summary>
/// Destinations from etcd v3, through its JSON gateway (<c>/v3/kv/range</c> and <c>/v3/watch</c>): every key under the
/// prefix holds one destination, as a URL or as <c>{"url", "weight", "metadata"}</c>. The prefix is read whole, then
/// watched from the revision read; any change re-reads it, and so does <c>refreshInterval</c> (a watch that went quiet
/// through a proxy, or a compacted revision). The endpoints are tried in turn.
/// </summary>
internal sealed class EtcdSource(DiscoverySettings settings, HttpMessageInvoker http, DiscoverySourceTelemetry telemetry, TimeProvider time)
    : DiscoverySource(settings, telemetry, time)
{
    public const string TypeName = "etcd";

    /// <summary>Largest value of one key read as a destination.</summary>
    public const int MaxValueBytes = 4096;

    /// <summary>Largest range answer or watch message read.</summary>
    private const int MaxMessageBytes = 4 * 1024 * 1024;

    private readonly string _key = Base64(Encoding.UTF8.GetBytes(settings.Prefix));
    private readonly string _rangeEnd = Base64(PrefixEnd(Encoding.UTF8.GetBytes(settings.Prefix)));
    private Uri? _working;

    public override async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var revision = 0L;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(RefreshTimeout);
                var (found, read) = await RangeAsync(timeout.Token);
                Publish(found);
                revision = read;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                Fail(ex is OperationCanceledException ? $"no answer within {RefreshTimeout.TotalSeconds:0} s" : ex.Message);
                await WaitAsync(RetryDelay(), stoppingToken);
                continue;
            }

            using var watching = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            watching.CancelAfter(Settings.RefreshInterval);
            try
            {
                await WatchAsync(revision + 1, watching.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The interval's full read is due.
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                Fail("watch: " + ex.Message);
                await WaitAsync(RetryDelay(), stoppingToken);
            }
        }
    }

    protected override async Task<(IReadOnlyList<DiscoveredDestination> Found, TimeSpan Next)> FetchAsync(CancellationToken cancellationToken) =>
        ((await RangeAsync(cancellationToken)).Found, Settings.RefreshInterval);

    /// <summary>Every destination under the prefix, and the store's revision at the read.</summary>
    private async Task<(IReadOnlyList<DiscoveredDestination> Found, long Revision)> RangeAsync(CancellationToken cancellationToken)
    {
        var body = $$"""{"key":"{{_key}}","range_end":"{{_rangeEnd}}","limit":{{Settings.MaxDestinations + 1}}}""";
        Exception? last = null;
        foreach (var endpoint in _working is { } working ? [working, .. Settings.Endpoints.Where(e => e != working)] : Settings.Endpoints)
        {
            try
            {
                using var response = await PostAsync(endpoint, "v3/kv/range", body, cancellationToken);
                using var document = JsonDocument.Parse(await ReadBoundedAsync(response, cancellationToken));
                var root = document.RootElement;
                var revision = long.Parse(root.GetProperty("header").GetProperty("revision").GetString() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                var now = Time.GetUtcNow();
                var found = new List<DiscoveredDestination>();
                if (root.TryGetProperty("kvs", out var kvs))
                {
                    foreach (var kv in kvs.EnumerateArray())
                    {
                        var key = Encoding.UTF8.GetString(Convert.FromBase64String(kv.GetProperty("key").GetString() ?? ""));
                        var value = kv.TryGetProperty("value", out var v) ? Convert.FromBase64String(v.GetString() ?? "") : [];
                        if (Parse(key, value) is { } definition)
                        {
                            found.Add(new DiscoveredDestination(definition, now));
                        }
                    }
                }

                _working = endpoint;
                return (found, revision);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException($"no etcd endpoint answered: {last?.Message}", last);
    }

    /// <summary>Waits on a watch of the prefix from <paramref name="revision"/> until something under it changes.</summary>
    private async Task WatchAsync(long revision, CancellationToken cancellationToken)
    {
        var endpoint = _working ?? Settings.Endpoints[0];
        var body = $$$"""{"create_request":{"key":"{{{_key}}}","range_end":"{{{_rangeEnd}}}","start_revision":{{{revision}}}}}""";
        using var response = await PostAsync(endpoint, "v3/watch", body, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new BoundedLineReader(stream, MaxMessageBytes);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var message = JsonDocument.Parse(line);
            if (message.RootElement.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException(error.TryGetProperty("message", out var text) ? text.GetString() : error.GetRawText());
            }

            if (!message.RootElement.TryGetProperty("result", out var result))
            {
                continue;
            }

            if ((result.TryGetProperty("events", out var events) && events.GetArrayLength() > 0)
                || (result.TryGetProperty("canceled", out var canceled) && canceled.ValueKind == JsonValueKind.True))
            {
                return; // a change (or a watch etcd ended, such as on a compacted revision): read the prefix again
            }
        }

        throw new InvalidOperationException("the watch stream ended");
    }

    private async Task<HttpResponseMessage> PostAsync(Uri endpoint, string path, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path))
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        var response = await http.SendAsync(request, cancellationToken); // HttpMessageInvoker never buffers the body
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new HttpRequestException($"{new Uri(endpoint, path)} answered {(int)response.StatusCode}");
        }

        return response;
    }

    /// <summary>The whole answer, refused past <see cref="MaxMessageBytes"/> whether or not it declared its length.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxMessageBytes)
        {
            throw new InvalidOperationException($"the answer is over {MaxMessageBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxMessageBytes)
            {
                throw new InvalidOperationException($"the answer is over {MaxMessageBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>The destination a key's value names (a URL, or a JSON object with <c>url</c>, <c>weight</c>, <c>metadata</c>); null, logged, when it names none.</summary>
    private DestinationDefinition? Parse(string key, byte[] value)
    {
        if (value.Length > MaxValueBytes)
        {
            Telemetry.EntryRefused(Settings, key, $"the value is over {MaxValueBytes} bytes");
            return null;
        }

        var text = Encoding.UTF8.GetString(value).Trim();
        if (!text.StartsWith('{'))
        {
            return new DestinationDefinition { Url = text };
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var url = root.GetProperty("url").GetString() ?? "";
            int? weight = root.TryGetProperty("weight", out var w) ? w.GetInt32() : null;
            Dictionary<string, string>? metadata = null;
            if (root.TryGetProperty("metadata", out var m))
            {
                metadata = m.EnumerateObject().Take(DiscoveryCompiler.MaxMetadataEntries).ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            }

            return new DestinationDefinition { Url = url, Weight = weight, Metadata = metadata };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            Telemetry.EntryRefused(Settings, key, "the value is neither a URL nor {\"url\", \"weight\", \"metadata\"}: " + ex.Message);
            return null;
        }
    }

    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);

    /// <summary>The end of the range of keys that start with <paramref name="prefix"/>: the prefix with its last byte below 0xff raised by one.</summary>
    private static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        return [0]; // every key
    }
}
