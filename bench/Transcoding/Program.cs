// Transcoding benchmark (issue 18): GetBook on a real Grpc.AspNetCore service, called directly with a gRPC client
// and as a transcoded REST call (GET /v1/shelves/s/books/b, JSON) through Portico, at the same concurrency, the REST
// call once over HTTP/1.1 and once over HTTP/2. Reports requests per second, p50/p99, process CPU and allocation per
// request of each side and the throughput ratios. See README.md beside this file.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portico.Bench;
using Portico.Bench.Transcoding;
using Portico.Tests.Transcoding;
using Portico.Tests.Transcoding.Proto;
using static Portico.Bench.Latencies;

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5; // per side and round
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
// "profile [direct|http1|http2|passthrough]": only that side (the transcoded HTTP/1.1 one by default), for one long
// round, to attach a profiler to; nothing is written. "serve": the service and the gateway only, for a load generator
// outside the process (README.md); it prints the addresses and runs until its input ends.
var profile = args.Length > 2 && args[2] == "profile";
var serve = args.Length > 2 && args[2] == "serve";
var profiled = args.Length > 3 ? args[3] switch
{
    "direct" => 0,
    "http1" => 1,
    "http2" => 2,
    "passthrough" => 3,
    _ => throw new ArgumentException($"profile what: direct, http1, http2 or passthrough, not '{args[3]}'"),
} : 1;
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
        "transcode": { "descriptorSet": "library.pb", "service": "portico.test.transcoding.v1.Library", "methods": ["GetBook"] } },
        { "id": "library-grpc", "auth": "anonymous", "match": { "path": "/portico.test.transcoding.v1.Library/{method}", "methods": ["POST"] },
          "backend": "library" } ]
    }
    """);

await using var app = await LoopbackGateway.StartAsync(
    options =>
    {
        options.Registry.File = registry;
        options.AccessLog.Output = Portico.Observability.AccessLogOutput.None;
    },
    // Two endpoints: HTTP/1.1 for REST clients as most send, and cleartext HTTP/2 (prior knowledge) to compare the
    // transcoded call with the direct one over the same transport (docs/protocols.md#grpc: h2c needs an HTTP/2-only endpoint).
    builder => builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
    }));
var addresses = app.Urls.ToList();

// Connection reuse is the same on every side: each keeps its connections open for the whole run. The gRPC channel
// and the HTTP/2 client multiplex all callers on one HTTP/2 connection (a second opens only past the server's stream
// limit, as EnableMultipleHttp2Connections allows on both); the HTTP/1.1 client holds one keep-alive connection per caller.
using var http1 = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(addresses[0]) };
using var http2 = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true })
{
    BaseAddress = new Uri(addresses[1]),
    DefaultRequestVersion = HttpVersion.Version20,
    DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
};
using var channel = GrpcChannel.ForAddress(backend.Url, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true },
});
var grpc = new Library.LibraryClient(channel);
// The same gRPC client through the gateway's HTTP/2 endpoint on a plain proxy route (YARP's forwarder, no codec): the
// gateway's hop without transcoding, over the same connections as the transcoded HTTP/2 side.
using var proxiedChannel = GrpcChannel.ForAddress(addresses[1], new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true },
});
var proxied = new Library.LibraryClient(proxiedChannel);
var request = new GetBookRequest { Name = "shelves/s/books/b" };

if (serve)
{
    // For a load generator outside the process (h2load): the request as a gRPC frame, and where to send it.
    var frame = Path.Combine(Path.GetTempPath(), $"portico-bench-transcoding-{Environment.ProcessId}.frame");
    var message = request.ToByteArray();
    var framed = new byte[5 + message.Length]; // not compressed, the length big-endian, the message
    BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), message.Length);
    message.CopyTo(framed, 5);
    await File.WriteAllBytesAsync(frame, framed);
    Console.WriteLine($"pid {Environment.ProcessId}");
    Console.WriteLine($"service {backend.Url}");
    Console.WriteLine($"gateway-http1 {addresses[0]}");
    Console.WriteLine($"gateway-http2 {addresses[1]}");
    Console.WriteLine($"frame {frame}");
    await Console.In.ReadToEndAsync();
    File.Delete(frame);
    directory.Delete(recursive: true);
    return 0;
}

async Task DirectAsync() => await grpc.GetBookAsync(request);

async Task PassThroughAsync() => await proxied.GetBookAsync(request);

static async Task TranscodedAsync(HttpClient client)
{
    using var response = await client.GetAsync("/v1/shelves/s/books/b");
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"transcoded call answered {(int)response.StatusCode}");
    }

    await response.Content.ReadAsByteArrayAsync();
}

// Every side returns the same book: the transcoded JSON parses to the direct call's message.
var direct = await grpc.GetBookAsync(request);
if (!direct.Equals(await proxied.GetBookAsync(request)))
{
    Console.Error.WriteLine("the pass-through call's answer differs from the direct call's");
    return 1;
}

foreach (var client in new[] { http1, http2 })
{
    var transcoded = JsonParser.Default.Parse<Book>(await client.GetStringAsync("/v1/shelves/s/books/b"));
    if (!direct.Equals(transcoded))
    {
        Console.Error.WriteLine($"answers differ:\n  direct:     {direct}\n  transcoded: {transcoded}");
        return 1;
    }
}

var sides = new Side[]
{
    new("direct gRPC (Grpc.Net.Client, HTTP/2, one connection)", DirectAsync),
    new("transcoded through Portico (JSON over HTTP/1.1, a connection per caller)", () => TranscodedAsync(http1)),
    new("transcoded through Portico (JSON over HTTP/2, one connection)", () => TranscodedAsync(http2)),
    new("gRPC through Portico, no transcoding (proxy route, HTTP/2, one connection)", PassThroughAsync),
};

async Task RunAsync(Side side, TimeSpan duration, bool record)
{
    var times = new List<double>[concurrency];
    backend.Calls.Requests.Clear(); // the service records each request; keep that from growing over the run
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var workItems = ThreadPool.CompletedWorkItemCount;
    var started = clock.GetTimestamp();
    var end = started + (long)(duration.TotalSeconds * clock.TimestampFrequency);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        var own = times[worker] = [];
        while (clock.GetTimestamp() < end)
        {
            var callStarted = clock.GetTimestamp();
            await side.Call();
            own.Add(clock.GetElapsedTime(callStarted).TotalMilliseconds);
        }
    }));
    if (record)
    {
        side.Elapsed += clock.GetElapsedTime(started);
        side.Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
        side.Allocated += GC.GetTotalAllocatedBytes(precise: true) - allocated;
        side.WorkItems += ThreadPool.CompletedWorkItemCount - workItems;
        side.Times.AddRange(times.SelectMany(t => t));
    }
}

if (profile)
{
    // A warm-up as long as the measured round: on a busy machine tiered compilation takes many seconds to reach the
    // optimized code, and a profile or a CPU figure of the code before that measures the compiler.
    var side = sides[profiled];
    await RunAsync(side, TimeSpan.FromSeconds(Math.Max(2, seconds)), record: false);
    Console.WriteLine($"profiling: pid {Environment.ProcessId}, {side.Name} for {seconds} s");
    await RunAsync(side, TimeSpan.FromSeconds(seconds), record: true);
    Console.WriteLine($"{side.Times.Count / side.Elapsed.TotalSeconds:F0} requests/s, {side.Cpu.TotalMicroseconds / side.Times.Count:F0} us CPU, {side.Allocated / side.Times.Count} bytes allocated and {(double)side.WorkItems / side.Times.Count:F1} thread-pool work items per request");
    directory.Delete(recursive: true);
    return 0;
}

// Each side warms up as long as it is then measured (at least 2 s): on a busy machine tiered compilation of the code
// only one side runs (the gateway's, the HTTP/1.1 parser, the gRPC client) takes seconds, and would otherwise burn CPU
// in the first recorded round of whichever side happens to run then.
foreach (var side in sides)
{
    await RunAsync(side, TimeSpan.FromSeconds(Math.Max(2, seconds)), record: false);
}

// Alternate rounds so that machine noise falls on every side.
for (var round = 0; round < 2; round++)
{
    foreach (var side in sides)
    {
        await RunAsync(side, TimeSpan.FromSeconds(seconds), record: true);
    }
}

double Rps(Side side) => side.Times.Count / side.Elapsed.TotalSeconds;
var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"# Transcoding benchmark, {clock.GetUtcNow():yyyy-MM-dd HH:mm}Z");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"GetBook, {concurrency} concurrent callers, 2 alternating rounds of {seconds} s per side after a warm-up of {Math.Max(2, seconds)} s per side; service, gateway and clients in one process on {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end.");
report.AppendLine("CPU, allocation and thread-pool work items (each a hop from one thread to another) are the whole process's (client, gateway and service) divided by the side's requests.");
report.AppendLine();
report.AppendLine("| path | requests/s | p50 ms | p99 ms | CPU us/request | bytes allocated/request | work items/request |");
report.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
foreach (var side in sides)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"| {side.Name} | {Rps(side):F0} | {Percentile(side.Times, 0.5):F3} | {Percentile(side.Times, 0.99):F3} | {side.Cpu.TotalMicroseconds / side.Times.Count:F0} | {side.Allocated / side.Times.Count} | {(double)side.WorkItems / side.Times.Count:F1} |");
}

report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"- throughput ratio transcoded / direct: **{Rps(sides[1]) / Rps(sides[0]):F2}x** over HTTP/1.1, **{Rps(sides[2]) / Rps(sides[0]):F2}x** over HTTP/2 (goal: at least 0.7x); gRPC passed through the gateway without transcoding **{Rps(sides[3]) / Rps(sides[0]):F2}x**");
Console.WriteLine(report);
var file = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "results", $"{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.md");
await File.WriteAllTextAsync(file, report.ToString());
directory.Delete(recursive: true);
return 0;
