using System.IO.Pipes;
using System.Net;
using System.Text;
using System.Text.Json;
using Portico.Observability;

namespace Portico.Tests.Observability;

/// <summary>The stdout access-log writer over a real OS pipe: batches, drops when the reader stalls, never loses a line silently.</summary>
public sealed class JsonLinesAccessLogWriterTests
{
    [Fact]
    public async Task Write_ReaderStalls_EveryEntryIsWrittenOrCountedAsDropped()
    {
        const int entries = 400;
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var dropped = 0;
        var writer = new JsonLinesAccessLogWriter(pipe, capacity: 8, () => Interlocked.Increment(ref dropped));

        // Nobody reads yet: once the pipe's buffer (64 KiB on Linux) is full the writer blocks, its queue fills, and
        // the rest must be dropped and counted while Write itself returns at once.
        var path = "/long/" + new string('p', 1000);
        for (var i = 0; i < entries; i++)
        {
            writer.Write(Entry(path + "/" + i, IPAddress.Parse("2001:db8::1")));
        }

        var read = Task.Run(async () =>
        {
            using var all = new MemoryStream();
            await readEnd.CopyToAsync(all);
            return Encoding.UTF8.GetString(all.ToArray());
        });
        await writer.DisposeAsync();
        pipe.Dispose(); // the write end: the reader sees the end of the stream
        var output = await read;

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(dropped > 0, $"expected drops with a stalled reader, wrote {lines.Length} lines");
        Assert.Equal(entries, lines.Length + dropped);
        foreach (var line in lines)
        {
            var json = JsonDocument.Parse(line).RootElement;
            Assert.StartsWith(path + "/", json.GetProperty("path").GetString());
            Assert.Equal("2001:db8::1", json.GetProperty("client").GetString());
        }
    }

    [Fact]
    public async Task Write_ManyEntries_WritesEachAsOneCompleteLineInOrder()
    {
        const int entries = 200;
        using var output = new MemoryStream();
        var dropped = 0;
        var writer = new JsonLinesAccessLogWriter(output, capacity: entries, () => Interlocked.Increment(ref dropped));
        for (var i = 0; i < entries; i++)
        {
            writer.Write(Entry($"/item/{i}", IPAddress.Loopback));
        }

        await writer.DisposeAsync();

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0, dropped);
        Assert.Equal(Enumerable.Range(0, entries).Select(i => $"/item/{i}"), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()));
        Assert.All(lines, l => Assert.Equal("127.0.0.1", JsonDocument.Parse(l).RootElement.GetProperty("client").GetString()));
    }

    [Fact]
    public async Task Write_WriterRunning_LinesArriveBeforeDisposalInOneBatch()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var dropped = 0;
        var writer = new JsonLinesAccessLogWriter(pipe, capacity: 64, () => Interlocked.Increment(ref dropped), gatherInterval: TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 3; i++)
        {
            writer.Write(Entry($"/early/{i}", IPAddress.Loopback));
        }

        // The writer is woken by the first entry and writes without being disposed: the reader gets every line.
        using var lines = new StreamReader(readEnd, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            read.Add(JsonDocument.Parse((await lines.ReadLineAsync(timeout.Token))!).RootElement.GetProperty("path").GetString()!);
        }

        Assert.Equal(["/early/0", "/early/1", "/early/2"], read);
        await writer.DisposeAsync();
        Assert.Equal(0, dropped);
    }

    private static AccessLogEntry Entry(string path, IPAddress client) => new(
        DateTimeOffset.UnixEpoch, "GET", path, 200, "route", "backend", null, client, 1.5, 1.0, 0, 1024, RequestTraceId.NewRandom(), RequestOutcome.Completed);
}
