namespace Portico.Transcoding;

/// <summary>How the messages of a server-streaming method reach the client (<c>transcode.streaming</c>).</summary>
internal enum StreamingFormat
{
    /// <summary>Newline-delimited JSON (<c>application/x-ndjson</c>): one message per line.</summary>
    NdJson,

    /// <summary>Server-sent events (<c>text/event-stream</c>): one <c>data:</c> event per message.</summary>
    ServerSentEvents,
}
