using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portico.Hosting;

namespace Portico.Admin;

/// <summary>Says at start-up how the admin endpoints can be reached, and warns loudly when anyone can.</summary>
internal sealed class AdminStartupReport(IOptions<PorticoOptions> options, ILogger<AdminStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value.Admin;
        var path = options.Value.EndpointPrefix + PorticoEndpointTable.AdminPath;
        if (admin.AllowAnonymous)
        {
            AdminLog.AnonymousAllowed(logger, path);
        }
        else if (!admin.IsConfigured)
        {
            AdminLog.Off(logger, path);
        }
        else
        {
            AdminLog.On(logger, path, admin.Keys.Count, string.IsNullOrEmpty(admin.Policy) ? "(none)" : admin.Policy);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
