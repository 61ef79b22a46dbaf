using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Portico.GraphQL;

/// <summary>
/// The documents a GraphQL route knows by SHA-256 (Apollo's automatic persisted queries protocol: the request's
/// <c>extensions.persistedQuery.sha256Hash</c>). Registered documents are bounded in count; the registry's are fixed.
/// </summary>
internal sealed class PersistedQueries(PersistedQueryMode mode, IReadOnlyDictionary<string, string> listed)
{
    /// <summary>Documents registered by clients (APQ) kept per route; the store is emptied when full.</summary>
    public const int MaxRegistered = 1000;

    private readonly ConcurrentDictionary<string, string> _registered = new(StringComparer.Ordinal);

    public PersistedQueryMode Mode { get; } = mode;

    /// <summary>The lowercase hex SHA-256 of <paramref name="document"/>'s UTF-8 text.</summary>
    public static string Hash(string document) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));

    /// <summary>
    /// The document to run for a request with <paramref name="query"/> text (possibly empty) and <paramref name="hash"/>;
    /// null with an error code and message when it cannot run.
    /// </summary>
    public string? Resolve(string query, string? hash, out string? code, out string? message)
    {
        code = message = null;
        if (hash is not null && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower)))
        {
            (code, message) = ("PERSISTED_QUERY_INVALID", "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits");
            return null;
        }

        if (query.Length == 0)
        {
            if (hash is null)
            {
                (code, message) = ("BAD_REQUEST", "the request has no 'query'");
                return null;
            }

            if (Mode == PersistedQueryMode.Off)
            {
                (code, message) = ("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported");
                return null;
            }

            if (listed.TryGetValue(hash, out var document) || (Mode == PersistedQueryMode.Apq && _registered.TryGetValue(hash, out document)))
            {
                return document;
            }

            (code, message) = ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
            return null;
        }

        if (hash is not null && Mode != PersistedQueryMode.Off && Hash(query) != hash)
        {
            (code, message) = ("PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query");
            return null;
        }

        return query;
    }

    /// <summary>Whether a document sent in full may run (allow-list mode checks its hash).</summary>
    public bool Allows(string query) => Mode != PersistedQueryMode.AllowList || (listed.TryGetValue(Hash(query), out var known) && known == query);

    /// <summary>Remembers a valid document sent with its hash (APQ).</summary>
    public void Register(string hash, string query)
    {
        if (Mode != PersistedQueryMode.Apq)
        {
            return;
        }

        if (_registered.Count >= MaxRegistered)
        {
            _registered.Clear();
        }

        _registered.TryAdd(hash, query);
    }
}
