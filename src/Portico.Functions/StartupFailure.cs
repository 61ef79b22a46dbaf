using Microsoft.Extensions.Options;
using Portico.Registry;

namespace Portico.Functions;

/// <summary>
/// Says why the worker cannot start, in the form the Functions host reports: the host logs each line of the worker's
/// standard error, and reports the worker's exit with its exit code and its last three lines that contain "error" or
/// "fail". So every problem gets its own "error:" line (file, line and field, as <c>portico serve</c> prints them), and
/// the exit codes are the <c>portico</c> command's: 2 for invalid configuration, 3 for a store that cannot be read.
/// </summary>
internal static class StartupFailure
{
    /// <summary>Invalid configuration.</summary>
    public const int Invalid = 2;

    /// <summary>The registry's store could not be read.</summary>
    public const int Unavailable = 3;

    /// <summary>Writes the reason to <paramref name="error"/> and returns the exit code, or null for an exception that is a bug.</summary>
    public static int? Report(Exception exception, TextWriter error)
    {
        switch (exception)
        {
            case RegistryLoadException { Errors.Count: > 0 } invalid:
                error.WriteLine($"Portico failed to start: the registry is invalid ({invalid.Errors.Count} error(s)).");
                foreach (var problem in invalid.Errors)
                {
                    error.WriteLine($"error: {problem}");
                }

                return Invalid;
            case RegistryLoadException unreadable:
                error.WriteLine($"Portico failed to start: error: {unreadable.Message}");
                return Unavailable;
            case OptionsValidationException options:
                error.WriteLine("Portico failed to start: its settings are invalid.");
                foreach (var failure in options.Failures)
                {
                    error.WriteLine($"error: {failure}");
                }

                return Invalid;
            default:
                return null;
        }
    }
}
