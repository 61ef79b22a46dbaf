namespace Portico.Registry;

/// <summary>Registry source and reload timing.</summary>
public sealed class RegistryOptions
{
    /// <summary>Path of a declarative registry file (DB-less mode). When set, Table storage is not used for the registry.</summary>
    public string? File { get; set; }

    /// <summary>Table holding the registry in Table mode. Default <c>PorticoRegistry</c>.</summary>
    public string TableName { get; set; } = Storage.Tables.TableRegistryStore.DefaultTableName;

    /// <summary>
    /// Whether a registry without routes may replace one with routes. Default false: such a reload (an emptied file, an
    /// import that removed every route) is rejected and the live routes keep serving, because an empty registry answers
    /// 404 to every request.
    /// </summary>
    public bool AllowEmpty { get; set; }

    /// <summary>How often the store's revision is checked; a change is live within this bound. Default 5 s (1 s to 10 min).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the whole registry is re-read even without a revision change (hand edits). Default 5 min.</summary>
    public TimeSpan FullRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest a background check may wait on the store. Default 10 s.</summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
