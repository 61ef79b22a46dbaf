using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Http;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Proxy;

/// <summary>Large bodies stream through the gateway in both directions without being held in its memory.</summary>
public sealed class LargeBodyStreamingTests
{
    private const long BodySize = 50L * 1024 * 1024;

    [Fact]
    public async Task Forward_50MegabyteUploadAndDownload_GatewayMemoryDoesNotGrowByTheBody()
    {
        // HTTP/1.1 clients (HttpClient included) finish sending a request before reading its response, so the two
        // directions are separate requests: an upload the backend verifies, a download the client verifies.
        long uploaded = 0;
        var uploadIntact = true;
        await using var backend = await TestBackend.StartAsync(async context =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                if (HttpMethods.IsPost(context.Request.Method))
                {
                    var expected = new PatternStream(long.MaxValue);
                    var check = new byte[buffer.Length];
                    int read;
                    while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                    {
                        expected.ReadExactly(check.AsSpan(0, read));
                        uploadIntact &= buffer.AsSpan(0, read).SequenceEqual(check.AsSpan(0, read));
                        Interlocked.Add(ref uploaded, read);
                    }

                    await context.Response.WriteAsync("received");
                    return;
                }

                var size = long.Parse(context.Request.Query["size"]!, System.Globalization.CultureInfo.InvariantCulture);
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = size;
                await new PatternStream(size).CopyToAsync(context.Response.Body, 64 * 1024, context.RequestAborted);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        using var directory = new TempDirectory();
        var config = directory.File("portico.json");
        await File.WriteAllTextAsync(config, $$"""
        {
          "backends": [ { "id": "bulk", "url": "{{backend.Url}}" } ],
          "routes": [ { "id": "bulk", "auth": "anonymous", "match": { "path": "/bulk" }, "backend": "bulk" } ]
        }
        """);
        await using var gateway = GatewayProcess.Start("serve", "--config", config, "--urls", "http://127.0.0.1:0");
        using var client = GatewayHost.CreateClient(await gateway.WaitUntilListeningAsync());

        // Warm up both directions so start-up allocations are in the baseline.
        using (var warm = await client.PostAsync("/bulk", new StreamContent(new PatternStream(256 * 1024))))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        Assert.Equal(256 * 1024, (await client.GetByteArrayAsync("/bulk?size=262144")).Length);
        Interlocked.Exchange(ref uploaded, 0);
        var before = gateway.PeakWorkingSet();

        using (var upload = await client.PostAsync("/bulk", new StreamContent(new PatternStream(BodySize), 64 * 1024)))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        Assert.Equal(BodySize, Interlocked.Read(ref uploaded));
        Assert.True(uploadIntact, "the backend received different bytes than the client sent");

        using var download = await client.GetAsync($"/bulk?size={BodySize}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        long downloaded = 0;
        var pattern = new PatternStream(BodySize);
        var chunk = new byte[64 * 1024];
        var check = new byte[64 * 1024];
        await using (var body = await download.Content.ReadAsStreamAsync())
        {
            int read;
            while ((read = await body.ReadAsync(chunk)) > 0)
            {
                pattern.ReadExactly(check.AsSpan(0, read));
                Assert.True(chunk.AsSpan(0, read).SequenceEqual(check.AsSpan(0, read)), $"byte mismatch near offset {downloaded}");
                downloaded += read;
            }
        }

        Assert.Equal(BodySize, downloaded);
        var growth = gateway.PeakWorkingSet() - before;
        Assert.True(growth < BodySize / 2, $"the gateway's peak memory grew by {growth / (1024 * 1024)} MB while streaming {BodySize / (1024 * 1024)} MB each way");
    }

    /// <summary>A long, deterministic, non-seekable byte stream generated on the fly (never held in memory).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            for (int i = 0; i < n; i++)
            {
                buffer[i] = (byte)((_position + i) * 31 % 251);
            }

            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
