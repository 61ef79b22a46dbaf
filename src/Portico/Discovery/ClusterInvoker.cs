using Portico.Proxy;

namespace Portico.Discovery;

/// <summary>
/// The way to a backend with several destinations, below the resilience pipeline (so each attempt, retries
/// included, chooses afresh and prefers a destination the request has not tried). It puts the chosen destination's
/// address in place of the one the URI carries, counts the attempt in flight while it waits for the response
/// headers, and records the outcome for passive health: connection failures, timeouts and the configured statuses
/// count against the destination; a client that went away or sent a body that could not be read never does.
/// </summary>
internal sealed class ClusterInvoker(DestinationCluster cluster, HttpMessageInvoker upstream) : HttpMessageInvoker(NoHandler.Instance, disposeHandler: false)
{
    public DestinationCluster Cluster { get; } = cluster;

    public override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var picks = request.Options.TryGetValue(DestinationPicks.OptionsKey, out var carried) && carried.Cluster == Cluster
            ? carried
            : Adopt(request);
        var uri = request.RequestUri!.OriginalString;
        var current = picks.Current?.Prefix ?? DestinationCluster.Placeholder;
        if (!uri.StartsWith(current, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The request URI does not start with the address of the destination it was sent to ({current}).");
        }

        var set = Cluster.Current;
        var index = Cluster.Pick(set, picks);
        if (index < 0)
        {
            throw new NoHealthyDestinationException(Cluster.BackendId, Cluster.RetryAfter());
        }

        var destination = set.Destinations[index];
        picks.Chose(set, index, destination);
        request.RequestUri = UpstreamUri.Create(destination.Prefix, uri.AsSpan(current.Length), default);
        destination.Enter();
        try
        {
            var response = await upstream.SendAsync(request, cancellationToken).ConfigureAwait(false);
            Cluster.Record(destination, destination.Health is { } health && health.Settings.FailureStatusCodes.Contains((int)response.StatusCode));
            return response;
        }
        catch (Exception ex) when (Counts(ex, picks))
        {
            Cluster.Record(destination, failed: true);
            throw;
        }
        finally
        {
            destination.Exit();
        }
    }

    /// <summary>
    /// Picks for a request that arrived without them (a composite route's part, a fallback, a copy made without its
    /// options): fresh when the URI carries the placeholder, else a retry of the destination whose address it carries.
    /// </summary>
    private DestinationPicks Adopt(HttpRequestMessage request)
    {
        var picks = Cluster.BeginInternal();
        var uri = request.RequestUri!.OriginalString;
        if (uri.StartsWith(DestinationCluster.Placeholder, StringComparison.Ordinal))
        {
            return picks;
        }

        var set = Cluster.Current;
        var index = DestinationCluster.IndexOfAddress(set, uri);
        if (index < 0)
        {
            throw new InvalidOperationException("The request URI is on none of the backend's destinations.");
        }

        picks.Chose(set, index, set.Destinations[index]);
        return picks;
    }

    /// <summary>Whether a failed attempt counts against the destination: not when the client went away, nor when its request could not be read.</summary>
    private static bool Counts(Exception exception, DestinationPicks picks) => exception switch
    {
        _ when ClientRequestException.Find(exception) is not null => false,
        OperationCanceledException => picks.KnowsCaller && !picks.CallerToken.IsCancellationRequested, // a timeout cut the attempt short
        _ => true,
    };
}
