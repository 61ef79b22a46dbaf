namespace Portico.Validation;

/// <summary>The type a path or query parameter's text must read as.</summary>
internal enum ParameterType
{
    /// <summary>Any text.</summary>
    String,

    /// <summary>An optional sign and decimal digits.</summary>
    Integer,

    /// <summary>A finite decimal number, optionally with a fraction and an exponent.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,
}
