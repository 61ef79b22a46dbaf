using Azure;
using Portico.Storage;

namespace Portico.Tests.Storage;

/// <summary>Which exceptions count as a store's failure (logged as a warning and degraded) and which are bugs.</summary>
public sealed class StoreFailureTests
{
    [Fact]
    public void Is_StorageServiceAndNetworkExceptions_AreFailures()
    {
        Assert.True(StoreFailure.Is(new RequestFailedException(503, "Server busy")));
        Assert.True(StoreFailure.Is(new HttpRequestException("connection refused")));
        Assert.True(StoreFailure.Is(new IOException("disk")));
        Assert.True(StoreFailure.Is(new TimeoutException()));
    }

    [Fact]
    public void Is_AggregateOfStorageFailures_IsAFailure()
    {
        // What the storage client's retry policy throws when every attempt failed.
        Assert.True(StoreFailure.Is(new AggregateException(new RequestFailedException(500, "a"), new RequestFailedException(503, "b"))));
    }

    [Fact]
    public void Is_AggregateHidingABug_IsNotAFailure()
    {
        Assert.False(StoreFailure.Is(new AggregateException(new RequestFailedException(503, "a"), new InvalidOperationException("bug"))));
        Assert.False(StoreFailure.Is(new AggregateException(new NullReferenceException())));
    }

    [Fact]
    public void Is_CancellationByItsTypeAlone_IsNotAFailure()
    {
        Assert.False(StoreFailure.Is(new OperationCanceledException()));
        Assert.False(StoreFailure.Is(new InvalidOperationException()));
    }

    [Fact]
    public void Is_CancellationTheCallerDidNotAskFor_IsATimeoutFailure()
    {
        Assert.True(StoreFailure.Is(new TaskCanceledException("exceeded the configured timeout"), CancellationToken.None));
        Assert.True(StoreFailure.Is(new AggregateException(new TaskCanceledException()), CancellationToken.None));
    }

    [Fact]
    public void Is_CancellationTheCallerAskedFor_IsNotAFailure()
    {
        using var shutdown = new CancellationTokenSource();
        shutdown.Cancel();
        Assert.False(StoreFailure.Is(new OperationCanceledException(shutdown.Token), shutdown.Token));
    }
}
