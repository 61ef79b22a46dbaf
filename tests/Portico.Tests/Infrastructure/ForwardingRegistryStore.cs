using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portico.Configuration;
using Portico.Hosting;
using Portico.Registry;
using Portico.Storage.File;

namespace Portico.Tests.Infrastructure;

/// <summary>
/// The configured file store, passed through: a test overrides the member it watches or breaks, everything else is the
/// real store's.
/// </summary>
internal abstract class ForwardingRegistryStore(FileRegistryStore inner) : IRegistryStore
{
    public string Description => inner.Description;

    public IChangeSignal? ChangeSignal => inner.ChangeSignal;

    public virtual Task<string> GetRevisionAsync(CancellationToken cancellationToken) => inner.GetRevisionAsync(cancellationToken);

    public virtual Task<RegistryLoadResult> LoadAsync(CancellationToken cancellationToken) => inner.LoadAsync(cancellationToken);

    public Task<RegistryDiff> ImportAsync(RegistryDocument document, bool prune, CancellationToken cancellationToken) =>
        inner.ImportAsync(document, prune, cancellationToken);

    /// <summary>Replaces the host's registry store with <paramref name="wrap"/> around the file store its settings name.</summary>
    public static void Replace<T>(IServiceCollection services, Func<FileRegistryStore, T> wrap)
        where T : ForwardingRegistryStore =>
        services.Replace(ServiceDescriptor.Singleton<IRegistryStore>(sp =>
            wrap(new FileRegistryStore(sp.GetRequiredService<IOptions<PorticoOptions>>().Value.Registry.File!))));
}
