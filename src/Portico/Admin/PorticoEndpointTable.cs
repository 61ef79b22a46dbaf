namespace Portico.Admin;

/// <summary>
/// Matches request paths against Portico's own endpoints. Health probes hit it constantly and every other request
/// passes through it, so matching allocates nothing: one prefix comparison for ordinary requests, one case-insensitive
/// span lookup for exact paths, and a short scan of sub-tree owners only when that fails.
/// </summary>
/// <remarks>
/// The layout is checked here, once: every admin endpoint lives under <see cref="AdminPath"/> and no public one does,
/// so the admin policy can never be skipped by a path that looks public, and a public probe never needs credentials.
/// Mistakes are bugs in a feature's registration and throw at start-up.
/// </remarks>
internal sealed class PorticoEndpointTable
{
    /// <summary>Where every operator endpoint lives, below the prefix.</summary>
    public const string AdminPath = "/admin";

    /// <summary>The methods of an endpoint that only reads.</summary>
    public static readonly IReadOnlyList<string> GetOnly = ["GET"];

    private readonly string _prefix;
    private readonly Dictionary<string, RegisteredEndpoint>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly RegisteredEndpoint[] _subtrees;

    public PorticoEndpointTable(string prefix, IEnumerable<IPorticoEndpoint> endpoints)
    {
        _prefix = prefix;
        var registered = new Dictionary<string, RegisteredEndpoint>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in endpoints)
        {
            Check(endpoint);
            if (!registered.TryAdd(endpoint.Path, new RegisteredEndpoint(endpoint)))
            {
                throw new InvalidOperationException($"Two Portico endpoints claim '{endpoint.Path}'.");
            }
        }

        Endpoints = registered.Values.ToArray();
        // A plain dictionary: built at every start (a frozen one's key analysis cost more there than its lookups save
        // on the few requests under the prefix), never changed after.
        _exact = registered.GetAlternateLookup<ReadOnlySpan<char>>();
        // The deepest owner first, so /admin/backends/pools wins over /admin/backends (two owners of one length cannot
        // both own a path). Array.Sort rather than LINQ's OrderByDescending, whose sorter cost milliseconds at every
        // start for these few (issue 25).
        _subtrees = [.. registered.Values.Where(e => e.IsSubtree)];
        Array.Sort(_subtrees, static (a, b) => b.Endpoint.Path.Length - a.Endpoint.Path.Length);
    }

    /// <summary>Every registered endpoint.</summary>
    public IReadOnlyList<RegisteredEndpoint> Endpoints { get; }

    /// <summary>Finds what <paramref name="path"/> (the request path, decoded as ASP.NET Core gives it) is.</summary>
    public PorticoEndpointMatch Match(string? path)
    {
        var prefixLength = _prefix.Length;
        if (path is null
            || !path.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase)
            || (path.Length > prefixLength && path[prefixLength] != '/'))
        {
            return PorticoEndpointMatch.Outside; // the common case: one comparison
        }

        var rest = path.AsSpan(prefixLength);
        if (_exact.TryGetValue(rest, out var exact))
        {
            return new PorticoEndpointMatch(KindOf(exact), exact, path.Length);
        }

        foreach (var owner in _subtrees)
        {
            var ownerPath = owner.Endpoint.Path;
            if (rest.Length > ownerPath.Length && rest[ownerPath.Length] == '/' && rest.StartsWith(ownerPath, StringComparison.OrdinalIgnoreCase))
            {
                return new PorticoEndpointMatch(KindOf(owner), owner, prefixLength + ownerPath.Length);
            }
        }

        return IsAdminPath(rest) ? new PorticoEndpointMatch(PorticoEndpointMatchKind.Admin, null, 0) : PorticoEndpointMatch.NotFound;
    }

    /// <summary>Whether a path below the prefix is in the admin area (<c>/admin</c> or below, any case).</summary>
    public static bool IsAdminPath(ReadOnlySpan<char> pathBelowPrefix) =>
        pathBelowPrefix.StartsWith(AdminPath, StringComparison.OrdinalIgnoreCase)
        && (pathBelowPrefix.Length == AdminPath.Length || pathBelowPrefix[AdminPath.Length] == '/');

    private static PorticoEndpointMatchKind KindOf(RegisteredEndpoint endpoint) =>
        endpoint.Access == PorticoEndpointAccess.Admin ? PorticoEndpointMatchKind.Admin : PorticoEndpointMatchKind.Public; // an AdminPage is served as public

    private static void Check(IPorticoEndpoint endpoint)
    {
        var path = endpoint.Path;
        if (!IsLiteralPath(path))
        {
            throw new InvalidOperationException($"Portico endpoint path '{path}' must be literal segments such as '/health/live' (no trailing '/', no templates).");
        }

        var admin = IsAdminPath(path);
        if (admin != (endpoint.Access is PorticoEndpointAccess.Admin or PorticoEndpointAccess.AdminPage))
        {
            throw new InvalidOperationException(admin
                ? $"Portico endpoint '{path}' is under {AdminPath} but is not declared Admin: every endpoint there goes through the admin policy."
                : $"Admin endpoint '{path}' must live under {AdminPath}, where the admin policy guards every path.");
        }

        if (endpoint.Methods.Count == 0 || endpoint.Methods.Any(m => m.Length == 0 || m.AsSpan().ContainsAnyExceptInRange('A', 'Z')))
        {
            throw new InvalidOperationException($"Portico endpoint '{path}' must name its methods in upper case, for example GET.");
        }
    }

    // One or more '/'-led segments of unreserved characters (RFC 3986 §2.3): no empty segment, no trailing '/'. Checked
    // by hand rather than by a regular expression, which would load the regex engine at every start for this alone.
    private static bool IsLiteralPath(string path)
    {
        if (path.Length < 2 || path[0] != '/' || path[^1] == '/')
        {
            return false;
        }

        for (int i = 1; i < path.Length; i++)
        {
            var c = path[i];
            var allowed = c == '/' ? path[i - 1] != '/' : char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '-';
            if (!allowed)
            {
                return false;
            }
        }

        return true;
    }
}
