using System.Diagnostics;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// The README's curl examples (the console block after the <c>readme-examples</c> marker): each command with the
/// output it documents, and a way to run one through bash. Both hosts' tests run them.
/// </summary>
public static class ReadmeExamples
{
    /// <summary>The address the README's commands use; tests replace it with the gateway they started.</summary>
    public const string DocumentedAuthority = "127.0.0.1:7071";

    /// <summary>Every command of the examples block with its expected output.</summary>
    public static List<(string Command, string Expected)> Parse(string[] lines)
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

    /// <summary>The examples of the repository's README.</summary>
    public static List<(string Command, string Expected)> FromReadme() => Parse(File.ReadAllLines(Repository.Path("README.md")));

    /// <summary>Runs a command with bash and returns its standard output without the final newline.</summary>
    public static async Task<string> RunShellAsync(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.TrimEnd('\n');
    }

    /// <summary>Runs every example against <paramref name="authority"/> and asserts each answers as documented.</summary>
    public static async Task AssertAllAnswerAsDocumentedAsync(string authority)
    {
        var examples = FromReadme();
        Assert.True(examples.Count >= 5, "the README's examples block was not found");
        foreach (var (command, expected) in examples)
        {
            var actual = await RunShellAsync(command.Replace(DocumentedAuthority, authority, StringComparison.Ordinal));
            Assert.Equal(expected.Replace(DocumentedAuthority, authority, StringComparison.Ordinal), actual);
        }
    }
}
