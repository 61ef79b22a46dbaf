using Portico.Tests.Infrastructure;

namespace Portico.Tests.Validation;

/// <summary>A real backend that keeps every request body it receives, byte for byte, and answers 200 or the given status.</summary>
public sealed class BodyRecordingBackend : IAsyncDisposable
{
    private readonly List<byte[]> _bodies = [];

    private BodyRecordingBackend()
    {
    }

    public TestBackend Backend { get; private set; } = null!;

    /// <summary>The bodies received, in order.</summary>
    public IReadOnlyList<byte[]> Bodies
    {
        get
        {
            lock (_bodies)
            {
                return [.. _bodies];
            }
        }
    }

    public static async Task<BodyRecordingBackend> StartAsync(int status = 200)
    {
        var recorder = new BodyRecordingBackend();
        recorder.Backend = await TestBackend.StartAsync(async context =>
        {
            using var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy);
            lock (recorder._bodies)
            {
                recorder._bodies.Add(copy.ToArray());
            }

            context.Response.StatusCode = status;
        });
        return recorder;
    }

    public ValueTask DisposeAsync() => Backend.DisposeAsync();
}
