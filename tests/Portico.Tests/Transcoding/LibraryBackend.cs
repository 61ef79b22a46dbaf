using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Portico.Tests.Infrastructure;
using Portico.Tests.Transcoding.Proto;

namespace Portico.Tests.Transcoding;

/// <summary>
/// A real Grpc.AspNetCore Library service on 127.0.0.1 over h2c, reached through transcoding routes. It records the
/// request messages it receives (generated classes: what the gateway built is checked as the service parsed it).
/// </summary>
internal sealed class LibraryBackend : GrpcTestServer<LibraryBackend.State>
{
    private LibraryBackend()
        : base(new State())
    {
    }

    public static Task<LibraryBackend> StartAsync() => StartAsync<LibraryBackend, LibraryService>(new LibraryBackend());

    /// <summary>The google.rpc.Status a failing call carries when asked for details: a Nested (in the descriptor set) and a type outside it.</summary>
    public static byte[] StatusDetails(int code, string message)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(code);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString(message);
        foreach (var any in new[] { Any.Pack(new Nested { Name = "field", Value = 7 }), new Any { TypeUrl = "type.googleapis.com/google.rpc.Other", Value = ByteString.CopyFrom(1, 2) } })
        {
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(any);
        }

        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>What the service received, and the signal a stream waits for after its first message.</summary>
    internal sealed class State
    {
        public ConcurrentQueue<IMessage> Requests { get; } = new();

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource StreamFinished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class LibraryService(State state) : Library.LibraryBase
    {
        public override Task<Book> GetBook(GetBookRequest request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            var book = new Book
            {
                Name = request.Name,
                Title = "Title of " + request.Name,
                Pages = 9007199254740993,
                Published = new Timestamp { Seconds = 1706702400 },
                Cover = Color.Red,
            };
            if (request.IncludeAuthors)
            {
                book.Authors.Add(["Ada", "Grace"]);
            }

            return Task.FromResult(book);
        }

        public override Task<Book> CreateBook(CreateBookRequest request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            var book = request.Book?.Clone() ?? new Book();
            book.Name = $"{request.Shelf}/books/{request.RequestId}";
            return Task.FromResult(book);
        }

        public override Task<Book> UpdateBook(UpdateBookRequest request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            return Task.FromResult(request.Book);
        }

        public override Task<ListBooksResponse> ListBooks(ListBooksRequest request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            var response = new ListBooksResponse { NextPageToken = "next" };
            foreach (var author in request.Authors)
            {
                response.Books.Add(new Book { Name = request.Shelf + "/" + author, Authors = { author }, Pages = request.PageSize, Cover = request.Cover });
            }

            return Task.FromResult(response);
        }

        public override async Task SearchBooks(SearchRequest request, IServerStreamWriter<Book> responseStream, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            for (var i = 0; i < request.Limit; i++)
            {
                await responseStream.WriteAsync(new Book { Title = request.Query + i, Pages = i });
                if (i == 0 && request.Then != "fail")
                {
                    await state.Release.Task.WaitAsync(context.CancellationToken);
                }
            }

            if (request.Then == "fail")
            {
                throw new RpcException(new Status(StatusCode.NotFound, "no more books"));
            }

            state.StreamFinished.TrySetResult();
        }

        public override Task<Empty> Fail(FailRequest request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            var trailers = new Metadata { { "x-cost", "3" } };
            if (request.WithDetails)
            {
                trailers.Add("grpc-status-details-bin", StatusDetails(request.Code, request.Message));
            }

            throw new RpcException(new Status((StatusCode)request.Code, request.Message), trailers);
        }

        public override async Task<Inspection> Inspect(Empty request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            var inspection = new Inspection { GrpcTimeout = context.GetHttpContext().Request.Headers["grpc-timeout"].ToString() };
            foreach (var entry in context.RequestHeaders)
            {
                if (!entry.IsBinary)
                {
                    inspection.Metadata[entry.Key] = entry.Value;
                }
            }

            await context.WriteResponseHeadersAsync(new Metadata { { "x-served-by", "library" }, { "x-secret", "internal" } });
            context.ResponseTrailers.Add("x-cost", "7");
            return inspection;
        }

        public override Task<Everything> Echo(Everything request, ServerCallContext context)
        {
            state.Requests.Enqueue(request);
            return Task.FromResult(request);
        }
    }
}
