using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Portico.Transcoding;

/// <summary>
/// The messages, enums and services of one <c>FileDescriptorSet</c> (what <c>protoc --descriptor_set_out
/// --include_imports</c> writes), with each message's JSON field names resolved once. Google.Protobuf builds the
/// descriptors; this type adds the look-ups the JSON codec needs per request without allocating.
/// </summary>
internal sealed class ProtoSchema
{
    private readonly FrozenDictionary<string, MessageDescriptor> _messages;
    private readonly FrozenDictionary<string, ServiceDescriptor> _services;
    private readonly Dictionary<MessageDescriptor, FrozenDictionary<string, FieldDescriptor>> _fieldsByName;

    private ProtoSchema(IReadOnlyList<FileDescriptor> files)
    {
        Files = files;
        var messages = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
        var services = new Dictionary<string, ServiceDescriptor>(StringComparer.Ordinal);
        _fieldsByName = [];
        foreach (var file in files)
        {
            foreach (var message in file.MessageTypes)
            {
                AddMessage(message, messages);
            }

            foreach (var service in file.Services)
            {
                services.TryAdd(service.FullName, service);
            }
        }

        _messages = messages.ToFrozenDictionary(StringComparer.Ordinal);
        _services = services.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The files of the set, dependencies first.</summary>
    public IReadOnlyList<FileDescriptor> Files { get; }

    /// <summary>
    /// Reads a serialized <c>FileDescriptorSet</c>; null with the reason when it is not one, or when a file's imports
    /// are missing from it (it must be made with <c>--include_imports</c>).
    /// </summary>
    public static ProtoSchema? Load(ReadOnlyMemory<byte> bytes, out string? problem)
    {
        try
        {
            var set = FileDescriptorSet.Parser.ParseFrom(bytes.Span);
            if (set.File.Count == 0)
            {
                problem = "the descriptor set holds no files";
                return null;
            }

            // BuildFromByteStrings wants each file after the files it imports; protoc writes them in that order,
            // but a set assembled by hand may not be, so order them here.
            var ordered = new List<ByteString>(set.File.Count);
            var byName = set.File.GroupBy(f => f.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var done = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in byName.Values)
            {
                if (!Visit(file, byName, done, ordered, [], out problem))
                {
                    return null;
                }
            }

            problem = null;
            return new ProtoSchema(FileDescriptor.BuildFromByteStrings(ordered));
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or DescriptorValidationException or ArgumentException)
        {
            problem = $"not a valid FileDescriptorSet ({ex.Message})";
            return null;
        }
    }

    /// <summary>The message named <paramref name="fullName"/> (<c>package.Message</c>), or null.</summary>
    public MessageDescriptor? FindMessage(string fullName) => _messages.GetValueOrDefault(fullName);

    /// <summary>The service named <paramref name="fullName"/> (<c>package.Service</c>), or null.</summary>
    public ServiceDescriptor? FindService(string fullName) => _services.GetValueOrDefault(fullName);

    /// <summary>Every service of the set, by full name.</summary>
    public IEnumerable<ServiceDescriptor> Services => _services.Values;

    /// <summary>
    /// The field of <paramref name="message"/> that JSON member <paramref name="name"/> sets: its lowerCamelCase JSON
    /// name or its name as written in the .proto file, both accepted (proto3 JSON mapping).
    /// </summary>
    public FieldDescriptor? FindField(MessageDescriptor message, string name) =>
        _fieldsByName.TryGetValue(message, out var fields) ? fields.GetValueOrDefault(name) : message.FindFieldByName(name);

    private static bool Visit(
        Google.Protobuf.Reflection.FileDescriptorProto file, Dictionary<string, Google.Protobuf.Reflection.FileDescriptorProto> byName,
        HashSet<string> done, List<ByteString> ordered, HashSet<string> visiting, out string? problem)
    {
        problem = null;
        if (done.Contains(file.Name))
        {
            return true;
        }

        if (!visiting.Add(file.Name))
        {
            problem = $"'{file.Name}' imports itself through its dependencies";
            return false;
        }

        foreach (var dependency in file.Dependency)
        {
            if (!byName.TryGetValue(dependency, out var imported))
            {
                problem = $"'{file.Name}' imports '{dependency}', which the set does not hold (make it with protoc --include_imports)";
                return false;
            }

            if (!Visit(imported, byName, done, ordered, visiting, out problem))
            {
                return false;
            }
        }

        done.Add(file.Name);
        ordered.Add(file.ToByteString());
        return true;
    }

    private void AddMessage(MessageDescriptor message, Dictionary<string, MessageDescriptor> messages)
    {
        if (!messages.TryAdd(message.FullName, message))
        {
            return;
        }

        var fields = new Dictionary<string, FieldDescriptor>(StringComparer.Ordinal);
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            fields.TryAdd(field.JsonName, field);
            fields.TryAdd(field.Name, field);
        }

        _fieldsByName[message] = fields.ToFrozenDictionary(StringComparer.Ordinal);
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, messages);
        }
    }
}
