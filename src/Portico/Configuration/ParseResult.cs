namespace Portico.Configuration;

/// <summary>A parsed value, or the errors that prevented it.</summary>
/// <typeparam name="T">What was parsed.</typeparam>
public sealed class ParseResult<T>
{
    private ParseResult(T? value, IReadOnlyList<ConfigurationError> errors)
    {
        Value = value;
        Errors = errors;
    }

    /// <summary>The value; null when <see cref="Errors"/> is not empty.</summary>
    public T? Value { get; }

    /// <summary>Why parsing failed; empty on success.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }

    /// <summary>A success.</summary>
    public static ParseResult<T> Ok(T value) => new(value, []);

    /// <summary>A failure.</summary>
    public static ParseResult<T> Failed(params IReadOnlyList<ConfigurationError> errors) => new(default, errors);
}
