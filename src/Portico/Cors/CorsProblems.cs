using Portico.Problems;

namespace Portico.Cors;

/// <summary>The problems of CORS (docs/problems.md lists them with the others).</summary>
internal static class CorsProblems
{
    /// <summary>A preflight from an origin the route does not allow, or asking for a method or header it does not allow.</summary>
    public static readonly Problem PreflightRefused = new(403, "cors-preflight-refused", "The cross-origin request is not allowed");
}
