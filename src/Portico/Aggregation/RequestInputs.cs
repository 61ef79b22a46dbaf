using System.Globalization;
using System.Text.Json;
using Portico.Pipeline;

namespace Portico.Aggregation;

/// <summary>
/// The distinct request values a composite route's templates read (route parameters, query, headers, identity,
/// claims, client body fields), each given a slot when the snapshot is compiled and looked up once per request.
/// </summary>
internal sealed class RequestInputs
{
    private readonly List<ValueReference> _inputs = [];
    private readonly Dictionary<(ValueSource, string, string), ValueReference> _byKey = [];

    /// <summary>How many inputs there are.</summary>
    public int Count => _inputs.Count;

    /// <summary>Whether any input reads the client's JSON body.</summary>
    public bool ReadsBody { get; private set; }

    /// <summary>The input for <paramref name="source"/>/<paramref name="key"/>/<paramref name="path"/>, shared by every placeholder naming it.</summary>
    public ValueReference Add(ValueSource source, string key, JsonPathSelector? path, string description)
    {
        var id = (source, key, path?.Text ?? "");
        if (_byKey.TryGetValue(id, out var existing))
        {
            return existing;
        }

        var input = new ValueReference { Source = source, Key = key, Path = path, InputIndex = _inputs.Count, Description = description };
        _inputs.Add(input);
        _byKey.Add(id, input);
        ReadsBody |= source == ValueSource.Body;
        return input;
    }

    /// <summary>Looks every input up for one request. <paramref name="body"/> is the client's JSON body, if it is read and parsed.</summary>
    public InputValue[] Resolve(GatewayContext context, JsonElement? body)
    {
        if (_inputs.Count == 0)
        {
            return [];
        }

        var values = new InputValue[_inputs.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Resolve(_inputs[i], context, body);
        }

        return values;
    }

    private static InputValue Resolve(ValueReference input, GatewayContext context, JsonElement? body)
    {
        var request = context.HttpContext.Request;
        string? text;
        switch (input.Source)
        {
            case ValueSource.Route:
                text = context.RouteValues.TryGetValue(input.Key, out var routeValue)
                    ? Convert.ToString(routeValue, CultureInfo.InvariantCulture)
                    : null;
                break;
            case ValueSource.Query:
                var query = request.Query[input.Key];
                text = query.Count > 0 ? query[0] : null;
                break;
            case ValueSource.Header:
                var header = request.Headers[input.Key];
                text = header.Count > 0 ? header.ToString() : null;
                break;
            case ValueSource.Identity:
                var identity = context.Identity;
                text = input.Key switch
                {
                    "consumerId" => identity.ConsumerId,
                    "subject" => identity.Subject,
                    "method" => identity.Method,
                    _ => null,
                };
                break;
            case ValueSource.Claim:
                text = context.Identity.Claims.TryGetValue(input.Key, out var claim) && claim.Count > 0 ? claim[0] : null;
                break;
            case ValueSource.Body:
                return body is { } root && input.Path!.TrySelect(root, out var field)
                    ? new InputValue(true, null, field)
                    : default;
            default:
                text = null;
                break;
        }

        // An empty value counts as missing: "/users/{route.id}" must never become "/users/" (a list, or worse).
        return string.IsNullOrEmpty(text) ? default : new InputValue(true, text, default);
    }
}
