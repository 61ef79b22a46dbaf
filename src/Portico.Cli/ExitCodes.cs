namespace Portico.Cli;

/// <summary>
/// The <c>portico</c> command's exit codes, the same for every verb (docs/cli.md has the table; a test checks each
/// verb against it). Every failure also writes one line to standard error saying what to fix.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success; for <c>config diff</c>, no differences.</summary>
    public const int Ok = 0;

    /// <summary><c>config diff</c> found differences.</summary>
    public const int Differences = 1;

    /// <summary>
    /// The operator's input is wrong: the command line (unknown option, malformed value), a gateway setting, or the
    /// registry's content (every error is printed with file, line and field). Fix the input and run again.
    /// </summary>
    public const int Invalid = 2;

    /// <summary>
    /// A file or Table storage could not be read or written: a missing file, a directory, no permission, unreachable
    /// or refusing storage, or a table that holds no registry.
    /// </summary>
    public const int Unavailable = 3;

    /// <summary><c>serve</c> cannot listen on an address: it is in use, or the process may not bind it.</summary>
    public const int CannotListen = 4;

    /// <summary>An internal error: a bug in Portico. One line names it; <c>PORTICO_DEBUG=1</c> adds the stack trace.</summary>
    public const int InternalError = 70;

    /// <summary>Interrupted (Ctrl+C) before the command finished; <c>serve</c> stopping on a signal exits 0.</summary>
    public const int Interrupted = 130;
}
