using System.Text.Json;
using Portico.Problems;

namespace Portico.Validation;

/// <summary>
/// The violations of one request, at most <see cref="Limit"/> kept (the rest only counted), so an answer stays small
/// however broken the request is. Written as the <c>violations</c> member of a <c>validation-failed</c> problem.
/// </summary>
internal sealed class ViolationList(int limit) : IProblemMember
{
    /// <summary>Longest parameter name, pointer or message written; longer ones are cut (they may come from the client).</summary>
    public const int MaxTextLength = 200;

    private readonly List<Violation> _kept = [];

    /// <summary>Most violations kept.</summary>
    public int Limit { get; } = limit;

    /// <summary>Every violation found, kept or not.</summary>
    public int Count { get; private set; }

    /// <summary>Whether more violations would only be counted (callers may stop looking).</summary>
    public bool IsFull => _kept.Count >= Limit;

    /// <summary>The violations kept, in the order found.</summary>
    public IReadOnlyList<Violation> Kept => _kept;

    public void Add(string @in, string name, string message)
    {
        Count++;
        if (_kept.Count < Limit)
        {
            _kept.Add(new Violation(@in, Cut(name), Cut(message)));
        }
    }

    /// <summary>Counts violations found but not kept (a schema evaluation reports them in bulk).</summary>
    public void AddUnlisted(int count) => Count += count;

    /// <inheritdoc />
    public void WriteValue(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (var violation in _kept)
        {
            writer.WriteStartObject();
            writer.WriteString("in", violation.In);
            writer.WriteString(violation.In == "body" ? "pointer" : "name", violation.Name);
            writer.WriteString("message", violation.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The problem's extension members: the list, and how many were left out when it is cut.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Extensions() => Count > _kept.Count
        ? [new("violations", this), new("omittedViolations", Count - _kept.Count)]
        : [new("violations", this)];

    private static string Cut(string text) => text.Length <= MaxTextLength ? text : string.Concat(text.AsSpan(0, MaxTextLength - 1), "…");
}
