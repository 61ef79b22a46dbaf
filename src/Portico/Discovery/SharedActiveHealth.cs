namespace Portico.Discovery;

/// <summary>One destination's active health as the shared health table holds it.</summary>
internal sealed record SharedActiveHealth(string BackendId, string Url, ActiveHealthReport Report);
