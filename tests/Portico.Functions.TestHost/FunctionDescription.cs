using System.Text.Json;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace Portico.Functions.TestHost;

/// <summary>
/// One function as the worker indexed it (its <c>FunctionMetadataResponse</c> entry), with the bindings parsed from
/// their raw JSON the way the host reads them, and the load request the host sends back for it.
/// </summary>
internal sealed class FunctionDescription
{
    private FunctionDescription(RpcFunctionMetadata metadata, IReadOnlyList<(string Name, BindingInfo Info)> bindings, HttpTriggerBinding? httpTrigger, string? timerTrigger)
    {
        Metadata = metadata;
        Bindings = bindings;
        HttpTrigger = httpTrigger;
        TimerTrigger = timerTrigger;
    }

    public RpcFunctionMetadata Metadata { get; }

    public string Name => Metadata.Name;

    public string FunctionId => Metadata.FunctionId;

    public IReadOnlyList<(string Name, BindingInfo Info)> Bindings { get; }

    /// <summary>The HTTP trigger, when the function has one.</summary>
    public HttpTriggerBinding? HttpTrigger { get; }

    /// <summary>The name of the timer trigger's binding, when the function has one.</summary>
    public string? TimerTrigger { get; }

    /// <summary>Parses the raw bindings; throws <see cref="InvalidOperationException"/> for JSON the host would refuse.</summary>
    public static FunctionDescription Parse(RpcFunctionMetadata metadata)
    {
        if (metadata.RawBindings.Count == 0)
        {
            throw new InvalidOperationException($"Function '{metadata.Name}' declares no binding.");
        }

        var bindings = new List<(string, BindingInfo)>();
        HttpTriggerBinding? trigger = null;
        string? timer = null;
        foreach (var raw in metadata.RawBindings)
        {
            using var document = JsonDocument.Parse(raw);
            var binding = document.RootElement;
            var name = binding.GetProperty("name").GetString()!;
            var type = binding.GetProperty("type").GetString()!;
            var info = new BindingInfo { Type = type, Direction = ParseDirection(String(binding, "direction")), DataType = ParseDataType(String(binding, "dataType")) };
            bindings.Add((name, info));
            if (string.Equals(type, "timerTrigger", StringComparison.OrdinalIgnoreCase))
            {
                timer = name;
            }

            if (string.Equals(type, "httpTrigger", StringComparison.OrdinalIgnoreCase))
            {
                var methods = binding.TryGetProperty("methods", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
                    ? list.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal)
                    : null;
                var route = String(binding, "route");
                trigger = new HttpTriggerBinding(
                    name,
                    string.IsNullOrWhiteSpace(route) ? metadata.Name : route,
                    methods,
                    (String(binding, "authLevel") ?? "function").ToLowerInvariant());
            }
        }

        return new FunctionDescription(metadata, bindings, trigger, timer);
    }

    /// <summary>The load request the host sends for this function.</summary>
    public FunctionLoadRequest ToLoadRequest()
    {
        var request = new FunctionLoadRequest
        {
            FunctionId = Metadata.FunctionId,
            Metadata = new RpcFunctionMetadata
            {
                Name = Metadata.Name,
                Directory = Metadata.Directory,
                EntryPoint = Metadata.EntryPoint,
                ScriptFile = Metadata.ScriptFile,
                IsProxy = false,
            },
        };
        foreach (var (name, info) in Bindings)
        {
            request.Metadata.Bindings.Add(name, info);
        }

        foreach (var (key, value) in Metadata.Properties)
        {
            request.Metadata.Properties.Add(key, value);
        }

        return request;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static BindingInfo.Types.Direction ParseDirection(string? direction) => direction?.ToLowerInvariant() switch
    {
        "out" => BindingInfo.Types.Direction.Out,
        "inout" => BindingInfo.Types.Direction.Inout,
        _ => BindingInfo.Types.Direction.In,
    };

    private static BindingInfo.Types.DataType ParseDataType(string? dataType) => dataType?.ToLowerInvariant() switch
    {
        "string" => BindingInfo.Types.DataType.String,
        "binary" => BindingInfo.Types.DataType.Binary,
        "stream" => BindingInfo.Types.DataType.Stream,
        _ => BindingInfo.Types.DataType.Undefined,
    };
}
