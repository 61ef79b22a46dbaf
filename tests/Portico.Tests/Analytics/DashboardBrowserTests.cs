using System.Text.Json;
using Microsoft.Playwright;
using Portico.Tests.Admin;
using Portico.Tests.Infrastructure;
using static Portico.Tests.Analytics.AnalyticsTestKit;

namespace Portico.Tests.Analytics;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's, which test.sh installs), driven by Playwright: real traffic behind
/// it, the admin key typed into the page, figures and charts that match the admin API, a screenshot, and no console error.
/// </summary>
public sealed class DashboardBrowserTests
{
    [SkippableFact]
    public async Task Dashboard_WithTrafficAndAdminKey_ShowsWhatTheApiSays()
    {
        var admin = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(admin, "gw-dash"));
        await SendAsync(gateway, "/orders", 5, Alice.Key);
        await SendAsync(gateway, "/orders", 2, Bob.Key);
        await SendAsync(gateway, "/orders", 1);
        await SendAsync(gateway, "/fail", 2);
        await SendAsync(gateway, "/limited", 2);
        await WaitForRequestsAsync(gateway, 12);
        var byRoute = await QueryAsync(gateway, admin, "?last=1h&groupBy=route&top=10");
        var byConsumer = await QueryAsync(gateway, admin, "?last=1h&groupBy=consumer&top=10");

        await using var browser = await BrowserAsync();
        var page = browser.Page;
        var problems = Watch(page);
        // What the page itself was answered: its series can start a bucket later than the test's query above when a
        // bucket boundary falls between the two, so the chart is compared with the page's own answer, and that answer
        // with the test's query in everything a boundary cannot move.
        var pageAnswers = new List<IResponse>();
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/admin/analytics?", StringComparison.Ordinal) && response.Url.Contains("groupBy=route", StringComparison.Ordinal))
            {
                lock (pageAnswers)
                {
                    pageAnswers.Add(response);
                }
            }
        };
        await page.GotoAsync(gateway.Url + "/_portico/admin/dashboard");

        // No credential yet: the page asks for one and calls nothing.
        Assert.True(await page.IsVisibleAsync("#login-form"));
        await page.FillAsync("#credential", admin.Key);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.WaitForSelectorAsync("body[data-loaded]");

        var totals = byRoute.GetProperty("totals");
        Assert.Equal("12", await page.TextContentAsync("#total-requests"));
        Assert.Equal(totals.GetProperty("requests").GetInt64().ToString(), await page.TextContentAsync("#total-requests"));
        Assert.Equal(totals.GetProperty("rateLimited").GetInt64().ToString(), await page.TextContentAsync("#total-429"));
        Assert.Equal("1", await page.TextContentAsync("#total-auth"));
        Assert.Equal((totals.GetProperty("errorRate").GetDouble() * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + " %", await page.TextContentAsync("#total-error-rate"));
        var latency = totals.GetProperty("latencyMs");
        Assert.Equal($"{Js(latency.GetProperty("p50"))} / {Js(latency.GetProperty("p95"))} / {Js(latency.GetProperty("p99"))}", await page.TextContentAsync("#total-latency"));

        // The top tables list the API's groups in its order, and the charts drew the API's series.
        var routeRows = await page.Locator("#top-routes tbody tr td:first-child").AllTextContentsAsync();
        Assert.Equal(byRoute.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("key").GetString()), routeRows);
        var routeCounts = await page.Locator("#top-routes tbody tr td:nth-child(2)").AllTextContentsAsync();
        Assert.Equal(["8", "2", "2"], routeCounts);
        var consumerRows = await page.Locator("#top-consumers tbody tr td:first-child").AllTextContentsAsync();
        Assert.Equal(byConsumer.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("key").GetString() is "" ? "(anonymous)" : g.GetProperty("key").GetString()), consumerRows);

        // The page refreshes every 10 s, so on a slow run it may have been answered more than once: the chart must
        // be one of its answers exactly, each of which agrees with the test's query on the totals and the series' length.
        List<IResponse> answered;
        lock (pageAnswers)
        {
            answered = [.. pageAnswers];
        }

        Assert.NotEmpty(answered);
        var drawn = await page.EvaluateAsync<double[]>("() => Array.from(porticoDashboard.charts['chart-rps'].data[1])");
        var answeredSeries = new List<double[]>();
        foreach (var answer in answered)
        {
            using var pageByRoute = JsonDocument.Parse(await answer.TextAsync());
            Assert.Equal(totals.GetRawText(), pageByRoute.RootElement.GetProperty("totals").GetRawText());
            var series = pageByRoute.RootElement.GetProperty("series");
            Assert.Equal(byRoute.GetProperty("series").GetArrayLength(), series.GetArrayLength());
            answeredSeries.Add([.. series.EnumerateArray().Select(p => p.GetProperty("perSecond").GetDouble())]);
        }

        Assert.Contains(answeredSeries, series => series.SequenceEqual(drawn));
        Assert.Equal(12, Math.Round(drawn.Sum() * byRoute.GetProperty("stepSeconds").GetInt32()));
        foreach (var chart in new[] { "chart-rps", "chart-latency", "chart-errors", "chart-refusals" })
        {
            Assert.Equal(1, await page.Locator($"#{chart} canvas").CountAsync());
        }

        Assert.False(await page.IsVisibleAsync("#storage-banner"));
        Assert.Equal("gw-dash (this one)", await page.TextContentAsync("#instances tbody tr td:first-child"));

        // The key never appears in a URL the page requested.
        Assert.DoesNotContain(problems.Urls, u => u.Contains(admin.Key, StringComparison.Ordinal));
        var screenshot = Path.Combine(AppContext.BaseDirectory, "analytics-dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot shows a drawn page");
        if (Environment.GetEnvironmentVariable("PORTICO_DASHBOARD_SCREENSHOT") is { Length: > 0 } copyTo)
        {
            File.Copy(screenshot, copyTo, overwrite: true);
        }

        Assert.Empty(problems.Errors);
    }

    [SkippableFact]
    public async Task Dashboard_StorageDown_SaysSoAndStillShowsThisInstance()
    {
        var admin = AdminTestKit.NewKey();
        var deadStorage = Azurite.ConnectionStringFor($"http://127.0.0.1:{Azurite.FreePort()}/devstoreaccount1");
        await using var gateway = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(admin, "gw-down", deadStorage, "analyticsdown"));
        await SendAsync(gateway, "/fail", 3);
        await WaitForRequestsAsync(gateway, 3);

        await using var browser = await BrowserAsync();
        var problems = Watch(browser.Page);
        await browser.Page.GotoAsync(gateway.Url + "/_portico/admin/dashboard");
        await browser.Page.FillAsync("#credential", admin.Key);
        await browser.Page.ClickAsync("#login-form button[type=submit]");
        await browser.Page.WaitForSelectorAsync("body[data-loaded]");

        Assert.True(await browser.Page.IsVisibleAsync("#storage-banner"));
        Assert.Contains("Analytics storage is unreachable", await browser.Page.TextContentAsync("#storage-banner"), StringComparison.Ordinal);
        Assert.Equal("3", await browser.Page.TextContentAsync("#total-requests"));
        Assert.Empty(problems.Errors);
    }

    [SkippableFact]
    public async Task Dashboard_WrongKey_AsksAgainWithTheReason()
    {
        var admin = AdminTestKit.NewKey();
        await using var gateway = await GatewayHost.StartWithFileAsync(TrafficRegistry, Settings(admin, "gw-key"));
        await using var browser = await BrowserAsync();
        var problems = Watch(browser.Page);
        await browser.Page.GotoAsync(gateway.Url + "/_portico/admin/dashboard");
        await browser.Page.FillAsync("#credential", AdminTestKit.NewKey().Key);
        await browser.Page.ClickAsync("#login-form button[type=submit]");
        await browser.Page.WaitForSelectorAsync("#login-error:not(:empty)");

        Assert.Contains("API key", await browser.Page.TextContentAsync("#login-error"), StringComparison.Ordinal);
        Assert.False(await browser.Page.IsVisibleAsync("#board"));
        // The browser reports each refused call as a failed resource load; anything else would be a page error.
        Assert.All(problems.Errors, e => Assert.Contains("status of 401", e, StringComparison.Ordinal));
        Assert.Null(await browser.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('portico.admin.credential')"));
    }

    private static string Js(JsonElement value) => value.ValueKind == JsonValueKind.Null ? "–" : value.GetRawText();

    private sealed record PageProblems(List<string> Errors, List<string> Urls);

    private static PageProblems Watch(IPage page)
    {
        var problems = new PageProblems([], []);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (problems)
                {
                    problems.Errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (problems)
            {
                problems.Errors.Add("page error: " + error);
            }
        };
        page.Request += (_, request) =>
        {
            lock (problems)
            {
                problems.Urls.Add(request.Url);
            }
        };
        return problems;
    }

    private sealed class Browser(IPlaywright playwright, IBrowser browser, IPage page) : IAsyncDisposable
    {
        public IPage Page => page;

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task<Browser> BrowserAsync()
    {
        var executable = Environment.GetEnvironmentVariable("PORTICO_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        Skip.IfNot(File.Exists(executable), $"Chromium is not installed at {executable}: ./test.sh installs Debian's chromium with apt-get (set PORTICO_TEST_CHROMIUM to use another).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return new Browser(playwright, browser, await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } }));
    }
}
