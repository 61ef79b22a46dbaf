using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portico.Analytics;
using Portico.Hosting;

namespace Portico.Tests.Analytics;

public sealed class AnalyticsRecorderTests
{
    [Fact]
    public void InstanceId_NotConfigured_IsTheMachineNameKeptToSafeCharactersWithASuffix()
    {
        var recorder = new AnalyticsRecorder(Options.Create(new PorticoOptions()), TimeProvider.System);

        // Letters, digits, '-', '_' and '.' of the machine name, at most 48 of them ("instance" when none is left).
        var kept = new string([.. Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(48)]);
        Assert.Matches($"^{Regex.Escape(kept.Length == 0 ? "instance" : kept)}-[0-9a-f]{{6}}$", recorder.InstanceId);
    }

    [Fact]
    public void InstanceId_Configured_IsKeptAsGiven()
    {
        var options = new PorticoOptions();
        options.Analytics.InstanceId = "gw-1";

        var recorder = new AnalyticsRecorder(Options.Create(options), TimeProvider.System);

        Assert.Equal("gw-1", recorder.InstanceId);
    }
}
