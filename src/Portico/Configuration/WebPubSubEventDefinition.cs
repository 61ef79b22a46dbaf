namespace Portico.Configuration;

/// <summary>Where a Web PubSub event is forwarded: a <c>POST</c> to <see cref="Path"/> on <see cref="Backend"/>.</summary>
public sealed record WebPubSubEventDefinition
{
    /// <summary>Id of the backend that handles the event.</summary>
    public required string Backend { get; init; }

    /// <summary>The literal path the event is posted to, starting with <c>/</c>.</summary>
    public required string Path { get; init; }
}
