using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Portico.Discovery;

namespace Portico.Storage.Tables;

/// <summary>
/// The shared health table of the Functions app (docs/discovery.md): one entity per destination with active checks,
/// PartitionKey = the backend id, RowKey = the first 16 bytes of the SHA-256 of the destination URL in hex (a URL
/// holds characters a key may not, and may be longer than one), written by the timer function after each run and read
/// whole by every instance. Properties: <c>Url</c>, <c>Status</c>, <c>ConsecutivePasses</c>, <c>ConsecutiveFailures</c>,
/// <c>LastProbe</c>, <c>LastStatus</c>, <c>LastOutcome</c>.
/// </summary>
internal sealed class TableActiveHealthStore(TableServiceClient service, string tableName)
{
    /// <summary>A batch holds at most 100 entities of one partition.</summary>
    private const int BatchSize = 100;

    private readonly TableClient _table = service.GetTableClient(tableName);
    private int _created;

    /// <summary>Every destination's shared health (none before the first write).</summary>
    public async Task<IReadOnlyList<SharedActiveHealth>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var result = new List<SharedActiveHealth>();
        try
        {
            await foreach (var entity in _table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                if (entity.GetString("Url") is { } url)
                {
                    result.Add(new SharedActiveHealth(entity.PartitionKey, url, new ActiveHealthReport(
                        ActiveHealthText.Parse(entity.GetString("Status")),
                        entity.GetInt32("ConsecutivePasses") ?? 0,
                        entity.GetInt32("ConsecutiveFailures") ?? 0,
                        entity.GetDateTimeOffset("LastProbe"),
                        entity.GetInt32("LastStatus") ?? 0,
                        entity.GetString("LastOutcome"))));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: nothing probed yet.
        }

        return result;
    }

    /// <summary>Writes <paramref name="states"/>, one batch per backend and hundred destinations.</summary>
    public async Task WriteAsync(IEnumerable<ActiveHealthState> states, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _created, 1);
        }

        foreach (var backend in states.GroupBy(s => s.BackendId, StringComparer.Ordinal))
        {
            foreach (var chunk in backend.Chunk(BatchSize))
            {
                var actions = chunk.Select(state => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Entity(state))).ToList();
                await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The RowKey of <paramref name="url"/>.</summary>
    public static string RowKey(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)).AsSpan(0, 16));

    private static TableEntity Entity(ActiveHealthState state)
    {
        var report = state.Report();
        return new TableEntity(state.BackendId, RowKey(state.Url))
        {
            ["Url"] = state.Url,
            ["Status"] = ActiveHealthText.Of(report.Status),
            ["ConsecutivePasses"] = report.ConsecutivePasses,
            ["ConsecutiveFailures"] = report.ConsecutiveFailures,
            ["LastProbe"] = report.LastProbe,
            ["LastStatus"] = report.LastStatus,
            ["LastOutcome"] = report.LastOutcome,
        };
    }
}
