using Portico.Configuration;
using Portico.Discovery;

namespace Portico.Tests.Discovery;

/// <summary>Destinations for policy tests: <c>http://10.0.0.N:8080</c>, with the weights asked for.</summary>
internal static class TestDestinations
{
    public static Destination[] WithWeights(params int[] weights) =>
        [.. weights.Select((weight, i) => new Destination(new DestinationDefinition { Url = $"http://10.0.0.{i + 1}:8080", Weight = weight }, "registry", health: null))];

    /// <summary>A filter that allows every destination.</summary>
    public static PickFilter All => new(0, 0, ignoreHealth: false);

    /// <summary>A filter that refuses the destinations at <paramref name="indexes"/> (as if this request had tried them).</summary>
    public static PickFilter Except(params int[] indexes) => new(0, indexes.Aggregate(0UL, (mask, i) => mask | (1UL << i)), ignoreHealth: false);
}
