using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage;

namespace Portico.Cli;

/// <summary>
/// Turns whatever stopped a verb into one clear message and the exit code of <see cref="ExitCodes"/>, so that no operator
/// mistake ends in a stack trace. What is not an operator mistake or an outage is a bug: exit code 70, one line, and the
/// stack trace only with <c>PORTICO_DEBUG=1</c>.
/// </summary>
internal static partial class CliFailure
{
    /// <summary>The environment variable that adds stack traces to internal errors.</summary>
    public const string DebugVariable = "PORTICO_DEBUG";

    /// <summary>Writes the message for <paramref name="exception"/>, prefixed with <paramref name="command"/>, and returns the exit code.</summary>
    public static async Task<int> ReportAsync(string command, Exception exception, TextWriter error, CancellationToken cancellationToken)
    {
        var (code, message) = Classify(exception, cancellationToken);
        await error.WriteLineAsync($"{command}: {message}");
        if (code == ExitCodes.InternalError && Environment.GetEnvironmentVariable(DebugVariable) is "1" or "true")
        {
            await error.WriteLineAsync(exception.ToString());
        }

        return code;
    }

    /// <summary>The exit code and message for <paramref name="exception"/>.</summary>
    public static (int Code, string Message) Classify(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Interrupted, "interrupted"),
        RegistryLoadException { Errors.Count: > 0 } invalid => (ExitCodes.Invalid, invalid.Message),
        RegistryLoadException { InnerException: { } inner } unreadable => (Classify(inner, cancellationToken).Code, FirstLine(unreadable.Message.Replace(inner.Message, Reason(inner), StringComparison.Ordinal))),
        OptionsValidationException options => (ExitCodes.Invalid, string.Join(Environment.NewLine + "  ", options.Failures)
            + (options.Failures.Contains(PorticoServiceCollectionExtensions.NoRegistryMessage) ? Environment.NewLine + "Pass --config FILE, --storage CONNECTION_OR_ENDPOINT or --demo." : "")),
        _ when IsBindFailure(exception) => (ExitCodes.CannotListen, $"cannot listen: {FirstLine(exception.Message)}"),
        FileNotFoundException or DirectoryNotFoundException => (ExitCodes.Unavailable, FirstLine(exception.Message)),
        UnauthorizedAccessException => (ExitCodes.Unavailable, $"permission denied: {FirstLine(exception.Message)}"),
        _ when StoreFailure.Is(exception, cancellationToken) => (ExitCodes.Unavailable, $"storage or file unavailable: {Reason(exception)}"),
        // A setting the configuration binder could not convert (a duration, a number), with the setting's name.
        InvalidOperationException { InnerException: FormatException or ArgumentException or OverflowException } binding => (ExitCodes.Invalid, FirstLine(binding.Message) + " " + FirstLine(binding.InnerException!.Message)),
        InvalidOperationException https when https.Message.StartsWith("Unable to configure HTTPS endpoint", StringComparison.Ordinal) =>
            (ExitCodes.Invalid, "an https:// address needs a server certificate: pass --certificate FILE (docs/cli.md)."),
        ArgumentException or FormatException or CryptographicException => (ExitCodes.Invalid, FirstLine(exception.Message)),
        _ => (ExitCodes.InternalError, $"internal error (a bug in Portico; please report it): {exception.GetType().Name}: {FirstLine(exception.Message)}"
            + $" Set {DebugVariable}=1 for the stack trace."),
    };

    private static bool IsBindFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AddressInUseException
                || (e is SocketException socket && socket.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// What went wrong with a store: the storage client's retries report their attempts as one aggregate ("Retry failed
    /// after 3 tries ..."), whose distinct causes are what the operator needs.
    /// </summary>
    private static string Reason(Exception exception) => exception is AggregateException aggregate
        ? string.Join("; ", aggregate.Flatten().InnerExceptions.Select(e => FirstLine(e.Message)).Distinct(StringComparer.Ordinal))
        : FirstLine(exception.Message);

    /// <summary>The first line of a message, without the " (Parameter 'x')" that .NET appends to argument errors.</summary>
    private static string FirstLine(string message) => ParameterSuffix().Replace(message.Split('\n', 2)[0].Trim(), "");

    [System.Text.RegularExpressions.GeneratedRegex(@" \(Parameter '[^']*'\)")]
    private static partial System.Text.RegularExpressions.Regex ParameterSuffix();
}
