using Microsoft.Extensions.Logging;

namespace Portico.Cli.Serve;

/// <summary>
/// Holds back the generic host's own log while <c>portico serve</c> starts: when start-up fails (a busy port, an
/// unreadable certificate) the host logs the exception with its stack trace, and serve says the same in one line with
/// its exit code. Once the server listens, the host's log passes again (at warning and above, as configured by default).
/// </summary>
internal sealed class StartupLogGate
{
    /// <summary>The generic host's logger category.</summary>
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile bool _open;

    /// <summary>Lets the host's log through from now on.</summary>
    public void Open() => _open = true;

    /// <summary>The filter of <see cref="HostCategory"/>.</summary>
    public bool Allows(LogLevel level) => _open && level >= LogLevel.Warning;
}
