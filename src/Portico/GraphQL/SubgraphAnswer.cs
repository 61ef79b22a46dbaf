namespace Portico.GraphQL;

/// <summary>Reads a subgraph's answer as it arrives, never more than <see cref="GraphQLLimits.MaxSubgraphResponseSize"/> bytes.</summary>
internal static class SubgraphAnswer
{
    /// <summary>The answer's bytes; null when it is larger than the limit (announced or as it arrives).</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, CancellationToken token)
    {
        if (content.Headers.ContentLength > GraphQLLimits.MaxSubgraphResponseSize)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(token);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, token)) > 0)
        {
            if (buffer.Length + read > GraphQLLimits.MaxSubgraphResponseSize)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
