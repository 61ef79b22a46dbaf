using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Portico.Tests.Transcoding.Proto;
using Portico.Transcoding;

namespace Portico.Tests.Transcoding;

/// <summary>
/// The test descriptor set as a deployment ships it: made by protoc at build time (Portico.Tests.csproj) from
/// Transcoding/Protos, read from the test output folder. The generated classes of the same files are the oracle.
/// </summary>
internal static class TestSchema
{
    private static readonly Lazy<ProtoSchema> Loaded = new(() =>
        ProtoSchema.Load(File.ReadAllBytes(DescriptorSetPath), out var problem) ?? throw new InvalidOperationException(problem));

    /// <summary>The descriptor set file, relative to the test output folder.</summary>
    public const string DescriptorSetFile = "Transcoding/library.pb";

    public static string DescriptorSetPath => Path.Combine(AppContext.BaseDirectory, DescriptorSetFile);

    public static ProtoSchema Schema => Loaded.Value;

    /// <summary>The types an <c>Any</c> may hold in the oracle's JSON.</summary>
    public static readonly TypeRegistry Types = TypeRegistry.FromMessages(Nested.Descriptor, Book.Descriptor, Timestamp.Descriptor, Duration.Descriptor, Struct.Descriptor);

    public static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(Types));

    public static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(Types));
}
