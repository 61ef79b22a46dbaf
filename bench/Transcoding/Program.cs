// Transcoding benchmark (issue 18): GetBook on a real Grpc.AspNetCore service, called directly with a gRPC client
// and as a transcoded REST call (GET /v1/shelves/s/books/b, JSON) through Portico, at the same concurrency.
// Reports requests per second and p50/p99 of both and their ratio. See README.md beside this file.
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Tests.Transcoding;
using Portico.Tests.Transcoding.Proto;

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5; // per side and round
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
var clock = TimeProvider.System; // the one clock of the run: timings and the report's name and date

await using var backend = await LibraryBackend.StartAsync();

// The descriptor set, from the descriptors protoc embedded in the generated code (imports first).
var set = new FileDescriptorSet();
var seen = new HashSet<string>();
void Add(FileDescriptor file)
{
    foreach (var dependency in file.Dependencies)
    {
        Add(dependency);
    }

    if (seen.Add(file.Name))
    {
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
    }
}

Add(LibraryReflection.Descriptor);
var directory = Directory.CreateTempSubdirectory("portico-bench-transcoding-");
await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "library.pb"), set.ToByteArray());
var registry = Path.Combine(directory.FullName, "portico.json");
await File.WriteAllTextAsync(registry, $$"""
    {
      "backends": [ { "id": "library", "url": "{{backend.Url}}", "protocol": "grpc" } ],
      "routes": [ { "id": "library", "auth": "anonymous", "match": { "path": "/v1/{**rest}" }, "backend": "library",
        "transcode": { "descriptorSet": "library.pb", "service": "portico.test.transcoding.v1.Library", "methods": ["GetBook"] } } ]
    }
    """);

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.ClearProviders();
builder.Services.AddPortico(options =>
{
    options.Registry.File = registry;
    options.AccessLog.Output = Portico.Observability.AccessLogOutput.None;
});
await using var app = builder.Build();
app.Run(app.Services.GetRequiredService<GatewayEngine>().InvokeAsync);
await app.Services.InitializePorticoAsync();
await app.StartAsync();
var gatewayUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(gatewayUrl) };
using var channel = GrpcChannel.ForAddress(backend.Url);
var grpc = new Library.LibraryClient(channel);
var request = new GetBookRequest { Name = "shelves/s/books/b" };

async Task DirectAsync() => await grpc.GetBookAsync(request);

async Task TranscodedAsync()
{
    using var response = await http.GetAsync("/v1/shelves/s/books/b");
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"transcoded call answered {(int)response.StatusCode}");
    }

    await response.Content.ReadAsByteArrayAsync();
}

// Both sides return the same book: the transcoded JSON parses to the direct call's message.
var direct = await grpc.GetBookAsync(request);
var transcoded = JsonParser.Default.Parse<Book>(await http.GetStringAsync("/v1/shelves/s/books/b"));
if (!direct.Equals(transcoded))
{
    Console.Error.WriteLine($"answers differ:\n  direct:     {direct}\n  transcoded: {transcoded}");
    return 1;
}

async Task<(long Count, List<double> Times)> RunAsync(Func<Task> call, TimeSpan duration)
{
    var times = new List<double>[concurrency];
    var end = clock.GetTimestamp() + (long)(duration.TotalSeconds * clock.TimestampFrequency);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var own = times[worker] = [];
        while (clock.GetTimestamp() < end)
        {
            var started = clock.GetTimestamp();
            await call();
            own.Add(clock.GetElapsedTime(started).TotalMilliseconds);
        }
    }));
    var all = times.SelectMany(t => t).ToList();
    return (all.Count, all);
}

await RunAsync(DirectAsync, TimeSpan.FromSeconds(2));
await RunAsync(TranscodedAsync, TimeSpan.FromSeconds(2));
// Alternate rounds so that machine noise falls on both sides.
var directTimes = new List<double>();
var transcodedTimes = new List<double>();
for (var round = 0; round < 2; round++)
{
    directTimes.AddRange((await RunAsync(DirectAsync, TimeSpan.FromSeconds(seconds))).Times);
    transcodedTimes.AddRange((await RunAsync(TranscodedAsync, TimeSpan.FromSeconds(seconds))).Times);
}

double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

var directRps = directTimes.Count / (2.0 * seconds);
var transcodedRps = transcodedTimes.Count / (2.0 * seconds);
var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"# Transcoding benchmark, {clock.GetUtcNow():yyyy-MM-dd HH:mm}Z");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"GetBook, {concurrency} concurrent callers, 2 rounds of {seconds} s per side after a 2 s warm-up; service, gateway and clients in one process on {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end.");
report.AppendLine();
report.AppendLine("| path | requests/s | p50 ms | p99 ms |");
report.AppendLine("| --- | --- | --- | --- |");
report.AppendLine(CultureInfo.InvariantCulture, $"| direct gRPC (Grpc.Net.Client, HTTP/2) | {directRps:F0} | {Percentile(directTimes, 0.5):F3} | {Percentile(directTimes, 0.99):F3} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| transcoded through Portico (HTTP/1.1 JSON) | {transcodedRps:F0} | {Percentile(transcodedTimes, 0.5):F3} | {Percentile(transcodedTimes, 0.99):F3} |");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"- throughput ratio transcoded / direct: **{transcodedRps / directRps:F2}x** (goal: at least 0.7x)");
Console.WriteLine(report);
var file = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "results", $"{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.md");
await File.WriteAllTextAsync(file, report.ToString());
directory.Delete(recursive: true);
return 0;
