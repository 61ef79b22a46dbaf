using System.Globalization;
using System.Text.RegularExpressions;
using Portico.Configuration;

namespace Portico.Validation;

/// <summary>
/// One path or query parameter's rule, compiled once: its type, bounds, enumeration and pattern (matched by the
/// non-backtracking engine, so a value's length bounds the time whatever the pattern). Messages name the rule, never
/// the value.
/// </summary>
internal sealed class ParameterRule
{
    private const int MaxEnumShown = 10;

    private readonly Regex? _pattern;
    private readonly HashSet<string>? _enum;
    private readonly string? _enumText;

    private ParameterRule(string name, ParameterRuleDefinition definition, ParameterType type, Regex? pattern)
    {
        Name = name;
        Definition = definition;
        Type = type;
        _pattern = pattern;
        if (definition.Enum is { } values)
        {
            _enum = new HashSet<string>(values, StringComparer.Ordinal);
            _enumText = string.Join(", ", values.Take(MaxEnumShown)) + (values.Count > MaxEnumShown ? ", …" : "");
        }
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The rule as configured.</summary>
    public ParameterRuleDefinition Definition { get; }

    /// <summary>The type the value must read as.</summary>
    public ParameterType Type { get; }

    /// <summary>Whether the parameter must be present.</summary>
    public bool Required => Definition.Required == true;

    /// <summary>Whether the parameter may appear more than once.</summary>
    public bool Repeated => Definition.Repeated == true;

    /// <summary>Compiles <paramref name="definition"/>; null after reporting through <paramref name="error"/> (field, message).</summary>
    public static ParameterRule? Compile(string name, ParameterRuleDefinition definition, Action<string, string> error)
    {
        var failures = 0;
        void Error(string field, string message)
        {
            failures++;
            error(field, message);
        }

        ParameterType type = ParameterType.String;
        switch (definition.Type)
        {
            case null or "string":
                break;
            case "integer":
                type = ParameterType.Integer;
                break;
            case "number":
                type = ParameterType.Number;
                break;
            case "boolean":
                type = ParameterType.Boolean;
                break;
            default:
                Error("type", $"'{definition.Type}' is not a parameter type: use string, integer, number or boolean");
                break;
        }

        var numeric = type is ParameterType.Integer or ParameterType.Number;
        if (!numeric && (definition.Minimum ?? definition.Maximum ?? definition.ExclusiveMinimum ?? definition.ExclusiveMaximum) is not null)
        {
            Error("minimum", "minimum, maximum, exclusiveMinimum and exclusiveMaximum apply to integer and number parameters only");
        }

        if (definition.MinLength is < 0 || definition.MaxLength is < 0 || definition.MinLength > definition.MaxLength)
        {
            Error("minLength", "minLength and maxLength are 0 or more, minLength at most maxLength");
        }

        if (definition.Minimum > definition.Maximum)
        {
            Error("minimum", "minimum is greater than maximum: no value could pass");
        }

        if (definition.Enum is { Count: 0 })
        {
            Error("enum", "an empty enum accepts no value; remove it or list the values");
        }

        Regex? pattern = null;
        if (definition.Pattern is { } text && (pattern = LinearRegex.TryCreate(text, out var problem)) is null)
        {
            Error("pattern", problem!);
        }

        return failures > 0 ? null : new ParameterRule(name, definition, type, pattern);
    }

    /// <summary>Checks one value; adds what is wrong with it to <paramref name="violations"/>.</summary>
    public void Check(string @in, string value, ViolationList violations)
    {
        var definition = Definition;
        switch (Type)
        {
            case ParameterType.Integer:
                if (!IsInteger(value) || !decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    violations.Add(@in, Name, "must be an integer");
                    return;
                }

                CheckBounds(@in, integer, violations);
                break;
            case ParameterType.Number:
                if (!decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number))
                {
                    violations.Add(@in, Name, "must be a number");
                    return;
                }

                CheckBounds(@in, number, violations);
                break;
            case ParameterType.Boolean:
                if (value is not ("true" or "false"))
                {
                    violations.Add(@in, Name, "must be true or false");
                    return;
                }

                break;
        }

        if (definition.MinLength is { } min && value.Length < min)
        {
            violations.Add(@in, Name, $"must be at least {min} characters long");
        }

        if (definition.MaxLength is { } max && value.Length > max)
        {
            violations.Add(@in, Name, $"must be at most {max} characters long");
        }

        if (_enum is not null && !_enum.Contains(value))
        {
            violations.Add(@in, Name, $"must be one of: {_enumText}");
        }

        if (_pattern is not null && !_pattern.IsMatch(value))
        {
            violations.Add(@in, Name, $"must match the pattern {definition.Pattern}");
        }
    }

    private void CheckBounds(string @in, decimal value, ViolationList violations)
    {
        var definition = Definition;
        if (value < definition.Minimum)
        {
            violations.Add(@in, Name, $"must be at least {definition.Minimum.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (value > definition.Maximum)
        {
            violations.Add(@in, Name, $"must be at most {definition.Maximum.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (value <= definition.ExclusiveMinimum)
        {
            violations.Add(@in, Name, $"must be greater than {definition.ExclusiveMinimum.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (value >= definition.ExclusiveMaximum)
        {
            violations.Add(@in, Name, $"must be less than {definition.ExclusiveMaximum.Value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>An optional sign and 1 to 28 decimal digits (what <see cref="decimal"/> holds exactly), nothing else.</summary>
    private static bool IsInteger(string value)
    {
        var digits = value.AsSpan(value.StartsWith('-') || value.StartsWith('+') ? 1 : 0);
        return digits.Length is > 0 and <= 28 && !digits.ContainsAnyExceptInRange('0', '9');
    }
}
