namespace Portico.Cli;

/// <summary>The <c>portico</c> command's exit codes (docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Success; for <c>config diff</c>, no differences.</summary>
    public const int Ok = 0;

    /// <summary><c>config diff</c> found differences.</summary>
    public const int Differences = 1;

    /// <summary>Bad arguments, or invalid configuration content.</summary>
    public const int Invalid = 2;

    /// <summary>A file or the storage account could not be read or written.</summary>
    public const int Unavailable = 3;
}
