namespace Portico.Waf;

/// <summary>The parts of a request the filter inspects; a rule names the ones it applies to.</summary>
[Flags]
public enum WafTargetKind
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The decoded request path (target name <c>path</c>).</summary>
    Path = 1,

    /// <summary>Query argument names and values (<c>query:NAME</c>).</summary>
    Query = 2,

    /// <summary>Form fields and JSON member names and string values (<c>body:NAME</c>; JSON members by dotted path).</summary>
    Body = 4,

    /// <summary>The <c>User-Agent</c> and <c>Referer</c> headers (<c>header:NAME</c>).</summary>
    Header = 8,

    /// <summary>Cookie names and values (<c>cookie:NAME</c>).</summary>
    Cookie = 16,

    /// <summary>The request as a whole (framing and protocol checks, target name <c>request</c>).</summary>
    Request = 32,

    /// <summary>Every argument: query, body and cookies.</summary>
    Arguments = Query | Body | Cookie,

    /// <summary>Every value target.</summary>
    Values = Path | Query | Body | Header | Cookie,
}
