using Portico.Analytics;

namespace Portico.Tests.Analytics;

public sealed class AnalyticsMinuteTests
{
    [Fact]
    public void Cell_BeyondTheCap_SharesTheOtherCellPerStatusClass()
    {
        var minute = new AnalyticsMinute(1000, 0, maxCells: 10);
        for (var i = 0; i < 15; i++)
        {
            minute.Cell(new AnalyticsCellKey("r", "consumer-" + i, 2)).Record(1, 0, 0, false, false, -1, -1);
        }

        minute.Cell(new AnalyticsCellKey("r", "consumer-0", 2)).Record(1, 0, 0, false, false, -1, -1); // an existing cell still counts as itself
        minute.Cell(new AnalyticsCellKey("r", "late", 5)).Record(1, 0, 0, false, false, -1, -1);

        var rows = minute.ToRows("gw");
        Assert.Equal(12, rows.Count); // 10 cells, then one (other) cell per status class
        Assert.Equal(2, rows.Single(r => r.Consumer == "consumer-0").Counts.Requests);
        Assert.Equal(5, rows.Single(r => r.Consumer == AnalyticsCellKey.Other && r.StatusClass == 2).Counts.Requests);
        Assert.Equal(1, rows.Single(r => r.Consumer == AnalyticsCellKey.Other && r.StatusClass == 5).Counts.Requests);
        Assert.Equal(17, rows.Sum(r => r.Counts.Requests));
        Assert.All(rows, r => Assert.Equal(new DateTimeOffset(1000 * TimeSpan.TicksPerMinute, TimeSpan.Zero), r.Minute));
    }
}
