using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>
/// One HTTP binding of a method on a transcoding route: the HTTP method and path template it answers, the request
/// fields its path variables set, what the body sets (every field, one field, or nothing) and what the response body is.
/// </summary>
internal sealed class TranscodingBinding(
    string httpMethod, PathTemplate template, TranscodedMethod method, FieldDescriptor[][] variableFields,
    bool bodyIsMessage, FieldDescriptor? bodyField, FieldDescriptor? responseField)
{
    public string HttpMethod { get; } = httpMethod;

    public PathTemplate Template { get; } = template;

    public TranscodedMethod Method { get; } = method;

    /// <summary>For each variable of <see cref="Template"/>, the path of fields from the request message to the one it sets.</summary>
    public FieldDescriptor[][] VariableFields { get; } = variableFields;

    /// <summary><c>body: "*"</c>: the JSON body is the whole request message, and query parameters set nothing.</summary>
    public bool BodyIsMessage { get; } = bodyIsMessage;

    /// <summary><c>body: "field"</c>: the JSON body is that field of the request message.</summary>
    public FieldDescriptor? BodyField { get; } = bodyField;

    /// <summary><c>response_body</c>: the field of the response that is the HTTP body; the whole response when null.</summary>
    public FieldDescriptor? ResponseField { get; } = responseField;

    public bool ReadsBody => BodyIsMessage || BodyField is not null;
}
