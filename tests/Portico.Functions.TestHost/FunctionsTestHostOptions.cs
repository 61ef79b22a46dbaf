namespace Portico.Functions.TestHost;

/// <summary>What the test host runs and how.</summary>
public sealed class FunctionsTestHostOptions
{
    /// <summary>
    /// The Functions app's folder (build or publish output): <c>host.json</c>, <c>worker.config.json</c> and the worker
    /// assembly. The host's script root, as <c>func start</c> uses the build output.
    /// </summary>
    public required string AppDirectory { get; init; }

    /// <summary>
    /// App settings, given to the worker process as environment variables (as the host passes its own environment,
    /// which holds the app settings in Azure and <c>local.settings.json</c>'s values under Core Tools). A null value
    /// removes the variable.
    /// </summary>
    public IDictionary<string, string?> AppSettings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where the HTTP front end listens; port 0 picks a free port.</summary>
    public string Url { get; init; } = "http://127.0.0.1:0";

    /// <summary>How long the worker may take from process start to its functions loaded (the host's default is 60 s).</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock that dates timer invocations (their schedule status); the system clock unless a test gives its own.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Every host log line as it is written (for a console or a test's output); the host's log keeps them too.</summary>
    public Action<HostLogEntry>? Log { get; init; }
}
