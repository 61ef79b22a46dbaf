using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Portico.Bench.Tool;

/// <summary>
/// Sends a scenario's request to one target and checks the answer (status, body, headers). With
/// <c>--seconds N</c> it keeps sending for N seconds on 4 connections and checks every answer: run.sh's
/// fallback load when wrk is not available.
/// </summary>
internal static class CheckCommand
{
    public static async Task<int> RunAsync(string directory, string target, string baseUrl, string[] options)
    {
        Scenario scenario;
        try
        {
            scenario = Scenario.Load(directory);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 1;
        }

        var seconds = options is ["--seconds", var s] ? double.Parse(s, CultureInfo.InvariantCulture) : 0;
        var url = new Uri(baseUrl.TrimEnd('/') + scenario.PathFor(target));
        var expect = scenario.ExpectFor(target);
        var body = scenario.Request.BodyFile is { } file ? File.ReadAllBytes(scenario.Resolve(file)!)
            : scenario.Request.Body is { } text ? Encoding.UTF8.GetBytes(text) : null;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

        var first = await CheckOnceAsync(client, scenario.Request, url, body, expect);
        if (first is not null)
        {
            Console.Error.WriteLine($"bench: {scenario.Name}/{target}: {url}: {first}");
            return 1;
        }

        if (seconds <= 0)
        {
            return 0;
        }

        // Fallback load: a bounded number of seconds, every answer checked.
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long ok = 0, failed = 0;
        string? firstFailure = null;
        var workers = Enumerable.Range(0, 4).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var failure = await CheckOnceAsync(client, scenario.Request, url, body, expect);
                if (failure is null)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstFailure, failure, null);
                }
            }
        });
        await Task.WhenAll(workers);
        Console.Out.WriteLine($"{scenario.Name}/{target}: {ok} correct answers, {failed} wrong in {seconds:0.#} s");
        if (failed > 0 || ok == 0)
        {
            Console.Error.WriteLine($"bench: {scenario.Name}/{target}: {failed} wrong answers, first: {firstFailure}");
            return 1;
        }

        return 0;
    }

    /// <summary>Null when the answer is right, else what was wrong.</summary>
    private static async Task<string?> CheckOnceAsync(HttpClient client, RequestSpec spec, Uri url, byte[]? body, ExpectSpec expect)
    {
        using var request = new HttpRequestMessage(new HttpMethod(spec.Method), url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in spec.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"no answer: {ex.Message}";
        }

        using (response)
        {
            var content = await response.Content.ReadAsByteArrayAsync();
            if ((int)response.StatusCode != expect.Status)
            {
                return $"status {(int)response.StatusCode}, expected {expect.Status}; body: {Preview(content)}";
            }

            if (expect.BodyBytes is { } bytes && content.Length != bytes)
            {
                return $"body of {content.Length} bytes, expected {bytes}";
            }

            var text = Encoding.UTF8.GetString(content);
            if (expect.BodyStartsWith is { } prefix && !text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return $"body does not start with '{prefix}': {Preview(content)}";
            }

            if (expect.BodyContains is { } part && !text.Contains(part, StringComparison.Ordinal))
            {
                return $"body does not contain '{part}': {Preview(content)}";
            }

            foreach (var (name, value) in expect.Headers)
            {
                var actual = response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
                    : response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
                if (actual is null || (value.Length > 0 && actual != value))
                {
                    return $"header {name}: '{actual}', expected '{value}'";
                }
            }

            return null;
        }
    }

    private static string Preview(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content, 0, Math.Min(content.Length, 200));
        return text.ReplaceLineEndings(" ");
    }
}
