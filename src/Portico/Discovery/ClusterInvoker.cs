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
        var set = Cluster.Current;
        int addressLength;
        if (uri.StartsWith(DestinationCluster.Placeholder, StringComparison.Ordinal))
        {
            addressLength = DestinationCluster.Placeholder.Length; // a first attempt
        }
        else
        {
            addressLength = Cluster.AddressLength(set, uri, picks.Current, out var on);
            if (on >= 0)
            {
                picks.Chose(set, on, set.Destinations[on]); // the destination the URI carries counts as tried: a retry prefers another
            }
            else
            {
                // The destination the request was sent to left (a discovery refresh, a deregistration): choose afresh.
                addressLength = Cluster.DestinationGone(uri, addressLength);
            }
        }

        var index = Cluster.Pick(set, picks);
        if (index < 0)
        {
            throw new NoHealthyDestinationException(Cluster.BackendId, Cluster.RetryAfter());
        }

        var destination = set.Destinations[index];
        picks.Chose(set, index, destination);
        request.RequestUri = UpstreamUri.Create(destination.Prefix, uri.AsSpan(addressLength), default);
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
    /// options), put on its options so that the copies its retries send carry them (and go elsewhere).
    /// </summary>
    private DestinationPicks Adopt(HttpRequestMessage request)
    {
        var picks = Cluster.BeginInternal();
        request.Options.Set(DestinationPicks.OptionsKey, picks);
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
