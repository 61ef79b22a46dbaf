using System.Security.Cryptography;
using System.Text;

namespace Portico.Configuration;

/// <summary>The item-by-item differences between two registries, compared on canonical JSON.</summary>
public sealed class RegistryDiff
{
    private RegistryDiff(IReadOnlyList<RegistryChange> changes) => Changes = changes;

    /// <summary>Every difference, by section then id.</summary>
    public IReadOnlyList<RegistryChange> Changes { get; }

    /// <summary>True when the registries hold the same items.</summary>
    public bool IsEmpty => Changes.Count == 0;

    /// <summary>Compares <paramref name="current"/> with <paramref name="desired"/>.</summary>
    public static RegistryDiff Compute(RegistryDocument current, RegistryDocument desired) =>
        Compute(RegistrySection.All.SelectMany(s => s.Read(current)), RegistrySection.All.SelectMany(s => s.Read(desired)));

    /// <summary>Compares two registries given as stored items (as a table holds them).</summary>
    public static RegistryDiff Compute(IEnumerable<RegistryItem> current, IEnumerable<RegistryItem> desired)
    {
        var currentItems = current.ToList();
        var desiredItems = desired.ToList();
        var changes = new List<RegistryChange>();
        foreach (var section in RegistrySection.All)
        {
            var before = ById(currentItems.Where(i => i.Kind == section.Kind));
            var after = ById(desiredItems.Where(i => i.Kind == section.Kind));
            foreach (var id in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
            {
                var inBefore = before.TryGetValue(id, out var b);
                var inAfter = after.TryGetValue(id, out var a);
                if (!inBefore)
                {
                    changes.Add(new RegistryChange(section.Kind, id, RegistryChangeType.Added) { NewJson = a!.Json });
                }
                else if (!inAfter)
                {
                    changes.Add(new RegistryChange(section.Kind, id, RegistryChangeType.Removed) { OldJson = b!.Json });
                }
                else if (!string.Equals(a!.Json, b!.Json, StringComparison.Ordinal))
                {
                    changes.Add(new RegistryChange(section.Kind, id, RegistryChangeType.Changed)
                    {
                        OldJson = b!.Json,
                        NewJson = a.Json,
                    });
                }
            }
        }

        return new RegistryDiff(changes);
    }

    /// <summary>This diff without removals: what a non-pruning import applies.</summary>
    public RegistryDiff WithoutRemovals() => new([.. Changes.Where(c => c.Type != RegistryChangeType.Removed)]);

    /// <summary>A stable hash of a registry's canonical content, independent of item order.</summary>
    public static string ContentHash(RegistryDocument document)
    {
        var builder = new StringBuilder();
        foreach (var section in RegistrySection.All)
        {
            foreach (var item in section.Read(document).OrderBy(i => i.Id, StringComparer.Ordinal))
            {
                builder.Append(item.Kind).Append('\u001f').Append(item.Id).Append('\u001f').Append(item.Json).Append('\u001e');
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(Environment.NewLine, Changes);

    private static Dictionary<string, RegistryItem> ById(IEnumerable<RegistryItem> items)
    {
        // Duplicates are a validation error elsewhere; for diffing, the last one wins.
        var map = new Dictionary<string, RegistryItem>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            map[item.Id] = item;
        }

        return map;
    }
}
