using Microsoft.Extensions.Logging;

namespace Portico.Admin;

/// <summary>
/// The one audit log of the admin surface: every admin request, allowed or refused, is written once, when it ends,
/// as event 600 in its own category so it can be kept, routed and queried apart from everything else (docs/admin.md).
/// It names the principal by key id or subject, never by a credential.
/// </summary>
internal static partial class AuditLog
{
    /// <summary>The logger category of the audit log.</summary>
    public const string Category = "Portico.Audit";

    /// <summary>The audit event's id; stable, for queries.</summary>
    public const int EventId = 600;

    /// <summary>The principal of a request whose caller was not verified.</summary>
    public const string Unverified = "-";

    [LoggerMessage(EventId = EventId, EventName = "AdminRequest", Level = LogLevel.Information,
        Message = "Admin {Method} {Path} by {Principal} ({AuthMethod}) from {Client}: {StatusCode} {Outcome}")]
    public static partial void Request(ILogger logger, string method, string? path, string principal, string authMethod, string client, int statusCode, string outcome);
}
