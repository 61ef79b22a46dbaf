using System.Text.RegularExpressions;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Docs;

/// <summary>
/// The Dockerfile's promises that can be checked without a container runtime (none can pull base images here; see
/// docs/deployment.md): a non-root numeric user, a health check that runs the command's own readiness probe on the
/// port the default command listens on, and only files that exist copied in.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(Repository.Path("Dockerfile"));

    [Fact]
    public void Dockerfile_RuntimeStage_RunsAsANumericNonRootUser()
    {
        var runtime = Dockerfile[Dockerfile.LastIndexOf("FROM ", StringComparison.Ordinal)..];
        var user = Assert.Single(UserLine().Matches(runtime)).Groups[1].Value;

        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"USER {user}");
    }

    [Fact]
    public void Dockerfile_HealthCheck_AsksTheReadinessOfThePortTheDefaultCommandServes()
    {
        var health = HealthCheck().Match(Dockerfile);
        var command = DefaultCommand().Match(Dockerfile);

        Assert.True(health.Success && command.Success);
        Assert.Equal(command.Groups["port"].Value, health.Groups["port"].Value);
        Assert.Contains("EXPOSE " + command.Groups["port"].Value, Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_RuntimeDepsImage_RunsTheSelfContainedAppHostTheBuildPublishes()
    {
        // The runtime stage has no .NET runtime: the program must bring its own (restored and published self-contained)
        // and be started by its app host, in the entry point and the health check alike.
        Assert.Matches(@"(?m)^ARG RUNTIME_IMAGE=mcr\.microsoft\.com/dotnet/runtime-deps:", Dockerfile);
        Assert.Matches(@"(?m)^RUN dotnet restore src/Portico\.Cli/Portico\.Cli\.csproj [^\n]*-p:SelfContained=true", Dockerfile);
        Assert.Matches(@"(?m)^RUN dotnet publish src/Portico\.Cli/Portico\.Cli\.csproj [^\n]*--self-contained true -o /app", Dockerfile);
        Assert.Contains("ENTRYPOINT [\"/app/Portico.Cli\"]", Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("Portico.Cli.dll", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_CopiedPaths_ExistInTheRepository()
    {
        foreach (Match copy in CopyLine().Matches(Dockerfile))
        {
            foreach (var source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            {
                var path = Repository.Path(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), source);
            }
        }
    }

    [GeneratedRegex(@"^USER (\S+)$", RegexOptions.Multiline)]
    private static partial Regex UserLine();

    [GeneratedRegex(@"HEALTHCHECK[^\n]*\\\n\s*CMD \[""/app/Portico.Cli"", ""health"", ""--url"", ""http://127.0.0.1:(?<port>\d+)""\]")]
    private static partial Regex HealthCheck();

    [GeneratedRegex(@"^CMD \[""serve"",[^\]]*""--urls"", ""http://0.0.0.0:(?<port>\d+)""\]$", RegexOptions.Multiline)]
    private static partial Regex DefaultCommand();

    // COPY lines that copy from the build context (not --from=stage).
    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
