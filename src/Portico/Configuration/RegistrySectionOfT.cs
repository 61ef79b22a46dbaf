using System.Text.Json.Serialization.Metadata;

namespace Portico.Configuration;

/// <summary>A <see cref="RegistrySection"/> over items of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The definition type.</typeparam>
public sealed class RegistrySection<T> : RegistrySection
{
    private readonly Func<RegistryDocument, IReadOnlyList<T>> _get;
    private readonly Func<RegistryDocument, IReadOnlyList<T>, RegistryDocument> _set;
    private readonly Func<T, string> _id;
    private readonly JsonTypeInfo<T> _typeInfo;

    internal RegistrySection(
        string kind,
        string member,
        Func<RegistryDocument, IReadOnlyList<T>> get,
        Func<RegistryDocument, IReadOnlyList<T>, RegistryDocument> set,
        Func<T, string> id,
        JsonTypeInfo<T> typeInfo)
    {
        Kind = kind;
        Member = member;
        _get = get;
        _set = set;
        _id = id;
        _typeInfo = typeInfo;
    }

    /// <inheritdoc />
    public override string Kind { get; }

    /// <inheritdoc />
    public override string Member { get; }

    /// <summary>The typed items of <paramref name="document"/>.</summary>
    public IReadOnlyList<T> Items(RegistryDocument document) => _get(document);

    /// <summary>The id of <paramref name="item"/>.</summary>
    public string IdOf(T item) => _id(item);

    /// <inheritdoc />
    public override IReadOnlyList<string> Ids(RegistryDocument document)
    {
        var items = _get(document);
        var ids = new string[items.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = _id(items[i]);
        }

        return ids;
    }

    /// <inheritdoc />
    public override IReadOnlyList<RegistryItem> Read(RegistryDocument document) =>
        [.. _get(document).Select(item => new RegistryItem(Kind, _id(item), RegistrySerializer.SerializeItem(item, _typeInfo)))];

    /// <inheritdoc />
    public override RegistryDocument Write(RegistryDocument document, IReadOnlyList<RegistryItem> items, Func<int, string> locate, List<ConfigurationError> errors)
    {
        var parsed = new List<T>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var result = RegistrySerializer.ParseItem(items[i].Json, locate(i), _typeInfo);
            if (result.Value is null)
            {
                errors.AddRange(result.Errors.Select(e => e with
                {
                    JsonPath = $"$.{Member}[{i}]" + e.JsonPath.TrimStart('$'),
                    Subject = $"{Kind} '{items[i].Id}'",
                    Location = locate(i),
                }));
                continue;
            }

            parsed.Add(result.Value);
        }

        return _set(document, parsed);
    }

    /// <inheritdoc />
    public override RegistryDocument Merge(RegistryDocument current, RegistryDocument desired, bool prune)
    {
        var wanted = _get(desired);
        if (prune)
        {
            return _set(current, wanted);
        }

        var replaced = wanted.Select(_id).ToHashSet(StringComparer.Ordinal);
        return _set(current, [.. _get(current).Where(item => !replaced.Contains(_id(item))), .. wanted]);
    }
}
