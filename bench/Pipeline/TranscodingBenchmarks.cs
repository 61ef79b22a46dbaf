using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Portico.Hosting;
using Portico.Pipeline;
using Portico.Proxy;

namespace Portico.Bench.Pipeline;

/// <summary>
/// What one transcoded unary request costs the gateway (docs/protocols.md#transcoding), with no socket in the way:
/// a JSON <c>POST /bench.v1.Books/GetBook</c> through the whole engine (every stage, the route's default resilience
/// pipeline, the JSON→protobuf and protobuf→JSON codec, gRPC framing, the call's headers) to a handler that answers
/// with a framed Book and <c>grpc-status: 0</c> after yielding once. The descriptor set is built here, so the method
/// has the default binding (the whole body is the request message).
/// </summary>
[MemoryDiagnoser]
public class TranscodingBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"name":"shelves/s/books/b","includeAuthors":true}""");

    private ServiceProvider _services = null!;
    private GatewayEngine _engine = null!;
    private string _directory = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult(); // the access log only disposes asynchronously
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One transcoded unary call, answered 200 with the Book as JSON.</summary>
    [Benchmark(Description = "transcoded unary call")]
    public async Task Unary()
    {
        var http = new DefaultHttpContext { RequestServices = _services };
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Request.Method = HttpMethods.Post;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("gateway.bench");
        http.Request.Path = "/bench.v1.Books/GetBook";
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = Body.Length;
        http.Request.Body = new MemoryStream(Body, writable: false);
        http.Response.Body = Stream.Null;
        await _engine.InvokeAsync(http);
        if (http.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"the transcoded call answered {http.Response.StatusCode}");
        }
    }

    private async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("portico-bench-transcoding-").FullName;
        await File.WriteAllBytesAsync(Path.Combine(_directory, "books.pb"), DescriptorSet().ToByteArray());
        var registry = Path.Combine(_directory, "portico.json");
        await File.WriteAllTextAsync(registry, """
            {
              "backends": [ { "id": "books", "url": "http://books.invalid", "protocol": "grpc" } ],
              "routes": [ { "id": "books", "auth": "anonymous", "match": { "path": "/bench.v1.Books/{method}" }, "backend": "books",
                "transcode": { "descriptorSet": "books.pb", "service": "bench.v1.Books" } } ]
            }
            """);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new UpstreamClient(new HttpMessageInvoker(new GrpcAnsweringHandler())));
        services.AddPortico(options =>
        {
            options.Registry.File = registry;
            options.AccessLog.Output = Portico.Observability.AccessLogOutput.None;
        });
        _services = services.BuildServiceProvider();
        await _services.InitializePorticoAsync();
        _engine = _services.GetRequiredService<GatewayEngine>();
        await Unary(); // the route answers as intended before anything is measured
    }

    /// <summary>bench/v1/books.proto: <c>GetBook(GetBookRequest) returns (Book)</c>, no imports.</summary>
    private static FileDescriptorSet DescriptorSet()
    {
        static FieldDescriptorProto Field(string name, int number, FieldDescriptorProto.Types.Type type, bool repeated = false) => new()
        {
            Name = name,
            Number = number,
            Type = type,
            JsonName = char.ToLowerInvariant(name[0]) + string.Concat(name.Split('_').Select((part, i) => i == 0 ? part[1..] : char.ToUpperInvariant(part[0]) + part[1..])),
            Label = repeated ? FieldDescriptorProto.Types.Label.Repeated : FieldDescriptorProto.Types.Label.Optional,
        };

        var file = new FileDescriptorProto { Name = "bench/v1/books.proto", Package = "bench.v1", Syntax = "proto3" };
        file.MessageType.Add(new DescriptorProto
        {
            Name = "GetBookRequest",
            Field = { Field("name", 1, FieldDescriptorProto.Types.Type.String), Field("include_authors", 2, FieldDescriptorProto.Types.Type.Bool) },
        });
        file.MessageType.Add(new DescriptorProto
        {
            Name = "Book",
            Field =
            {
                Field("name", 1, FieldDescriptorProto.Types.Type.String), Field("title", 2, FieldDescriptorProto.Types.Type.String),
                Field("pages", 3, FieldDescriptorProto.Types.Type.Int64), Field("authors", 4, FieldDescriptorProto.Types.Type.String, repeated: true),
                Field("available", 5, FieldDescriptorProto.Types.Type.Bool),
            },
        });
        file.Service.Add(new ServiceDescriptorProto
        {
            Name = "Books",
            Method = { new MethodDescriptorProto { Name = "GetBook", InputType = ".bench.v1.GetBookRequest", OutputType = ".bench.v1.Book" } },
        });
        return new FileDescriptorSet { File = { file } };
    }

    /// <summary>Answers every call with one framed Book and an OK status in the trailers, after one real suspension.</summary>
    private sealed class GrpcAnsweringHandler : HttpMessageHandler
    {
        private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");
        private static readonly byte[] Frame = BookFrame();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await request.Content!.CopyToAsync(Stream.Null, cancellationToken); // the request frame is written, as to a socket
            await Task.Yield();
            var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Version = HttpVersion.Version20, Content = new ByteArrayContent(Frame) };
            response.Content.Headers.ContentType = GrpcContentType;
            response.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");
            return response;
        }

        private static byte[] BookFrame()
        {
            using var buffer = new MemoryStream();
            buffer.Write(new byte[5]);
            var output = new CodedOutputStream(buffer, leaveOpen: true);
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString("shelves/s/books/b");
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString("Title of shelves/s/books/b");
            output.WriteTag(3, WireFormat.WireType.Varint);
            output.WriteInt64(9007199254740993);
            foreach (var author in new[] { "Ada", "Grace" })
            {
                output.WriteTag(4, WireFormat.WireType.LengthDelimited);
                output.WriteString(author);
            }

            output.WriteTag(5, WireFormat.WireType.Varint);
            output.WriteBool(true);
            output.Flush();
            var frame = buffer.ToArray();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(frame.Length - 5));
            return frame;
        }
    }
}
