using System.Diagnostics;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>The README's curl examples answer exactly as shown, against <c>portico serve --demo</c>.</summary>
public sealed class ReadmeExamplesTests
{
    [Fact]
    public async Task Readme_DemoExamples_AnswerAsDocumented()
    {
        var examples = ParseExamples(File.ReadAllLines(Repository.Path("README.md")));
        Assert.True(examples.Count >= 5, "the README's examples block was not found");

        await using var gateway = GatewayProcess.Start("serve", "--demo", "--urls", "http://127.0.0.1:0");
        var authority = new Uri(await gateway.WaitUntilListeningAsync()).Authority;
        foreach (var (command, expected) in examples)
        {
            // Exact, final newline included: what the README shows is what the terminal shows.
            var actual = await RunShellAsync(command.Replace("127.0.0.1:7071", authority, StringComparison.Ordinal));
            Assert.Equal(expected.Replace("127.0.0.1:7071", authority, StringComparison.Ordinal) + "\n", actual);
        }
    }

    private static List<(string Command, string Expected)> ParseExamples(string[] lines)
    {
        var start = Array.FindIndex(lines, l => l.StartsWith("<!-- readme-examples", StringComparison.Ordinal));
        var result = new List<(string, string)>();
        if (start < 0)
        {
            return result;
        }

        for (int i = start + 2; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
        {
            if (lines[i].StartsWith("$ ", StringComparison.Ordinal))
            {
                result.Add((lines[i][2..], ""));
            }
            else
            {
                var (command, expected) = result[^1];
                result[^1] = (command, expected.Length == 0 ? lines[i] : expected + "\n" + lines[i]);
            }
        }

        return result;
    }

    private static async Task<string> RunShellAsync(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
