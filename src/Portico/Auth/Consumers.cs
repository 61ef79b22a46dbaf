using Portico.Configuration;
using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>Maps a verified caller to a registry consumer and refuses disabled ones.</summary>
internal static class Consumers
{
    /// <summary>The consumer named <paramref name="id"/>, or null; <paramref name="disabled"/> when it exists but is disabled.</summary>
    public static ConsumerDefinition? Find(GatewayContext context, string? id, out bool disabled)
    {
        disabled = false;
        if (id is null || !context.Snapshot.Consumers.TryGetValue(id, out var consumer))
        {
            return null;
        }

        disabled = consumer.Status == "disabled";
        return consumer;
    }
}
