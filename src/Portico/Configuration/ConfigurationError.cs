namespace Portico.Configuration;

/// <summary>
/// One problem in a registry document, precise enough to fix without guessing: where it is
/// (file, line and column, or table entity), which item and field, and what is wrong.
/// </summary>
/// <param name="JsonPath">Path of the offending value inside the document, for example <c>$.routes[2].match.path</c>.</param>
/// <param name="Subject">The item at fault, for example <c>route 'users'</c>; empty for document-level problems.</param>
/// <param name="Field">The field at fault relative to the item, for example <c>match.path</c>; may be empty.</param>
/// <param name="Message">What is wrong, in a sentence.</param>
public sealed record ConfigurationError(string JsonPath, string Subject, string Field, string Message)
{
    /// <summary>Where the value lives, filled in by the store: <c>file.json:12:5</c> or a table entity.</summary>
    public string? Location { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var where = Location is null ? "" : Location + ": ";
        var what = (Subject, Field) switch
        {
            ("", "") => "",
            ("", _) => Field + ": ",
            (_, "") => Subject + ": ",
            _ => $"{Subject}: {Field}: ",
        };
        return where + what + Message;
    }
}
