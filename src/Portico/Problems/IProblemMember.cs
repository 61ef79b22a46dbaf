using System.Text.Json;

namespace Portico.Problems;

/// <summary>
/// An RFC 9457 §3.2 extension member whose value is more than a scalar (the <c>violations</c> list of a
/// <c>validation-failed</c> answer). It writes its own value; the same rules as for a problem's detail apply to it.
/// </summary>
public interface IProblemMember
{
    /// <summary>Writes the member's value (its name is already written).</summary>
    void WriteValue(Utf8JsonWriter writer);
}
