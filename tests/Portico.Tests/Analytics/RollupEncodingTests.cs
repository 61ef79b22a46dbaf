using Portico.Analytics;

namespace Portico.Tests.Analytics;

public sealed class RollupEncodingTests
{
    [Fact]
    public void Decode_OfEncoded_GivesTheCountsBack()
    {
        var counts = new long[AnalyticsSignals.AuthReasons.Length];
        counts[1] = 3;
        counts[4] = 12_345_678_901;
        var text = RollupEncoding.Encode(counts, AnalyticsSignals.AuthReasons);
        Assert.Equal("invalid-token=3,forbidden=12345678901", text);

        var back = new long[counts.Length];
        RollupEncoding.Decode(text, back, AnalyticsSignals.AuthReasons);
        Assert.Equal(counts, back);
    }

    [Fact]
    public void Decode_UnknownNamesAndGarbage_AreSkipped()
    {
        var back = new long[LatencyHistogram.BucketCount];
        RollupEncoding.Decode("5=2,999=1,x=3,7=-1,=4,12=1", back, null);
        Assert.Equal(2, back[5]);
        Assert.Equal(1, back[12]);
        Assert.Equal(3, back.Sum());
    }
}
