using Microsoft.Extensions.Logging;

namespace Portico.Admin;

/// <summary>Admin surface log events (ids 600–649; 600 is the audit event in <see cref="AuditLog"/>). None carries a credential.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Admin request refused from {Client}: {Reason} ({AuthMethod})")]
    public static partial void Refused(ILogger logger, string client, string reason, string authMethod);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning,
        Message = "ADMIN ENDPOINTS ARE OPEN TO ANYONE: Portico:Admin:AllowAnonymous is true, so every caller of {AdminPath} is an admin (audited as anonymous-dev). For local development only; never on a gateway others can reach.")]
    public static partial void AnonymousAllowed(ILogger logger, string adminPath);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information,
        Message = "Admin endpoints under {AdminPath} are off: set Portico:Admin:Keys (portico admin key create) or Portico:Admin:Policy to turn them on (docs/admin.md)")]
    public static partial void Off(ILogger logger, string adminPath);

    [LoggerMessage(EventId = 604, Level = LogLevel.Information,
        Message = "Admin endpoints under {AdminPath}: {KeyCount} admin key(s), policy {Policy}")]
    public static partial void On(ILogger logger, string adminPath, int keyCount, string policy);
}
