namespace Portico.Configuration;

/// <summary>
/// Follows a <see cref="System.Text.Json.Utf8JsonReader"/> through a document and names the JSON path
/// (<c>$.routes[2].match.path</c>) of each token it reads, the way configuration errors name places. Shared by
/// everything that reads the registry token by token (the location index, environment substitution), so a path
/// means the same in every message.
/// </summary>
internal sealed class JsonPathTracker
{
    // Each frame: the path of the container, whether it is an array, and the index of its next element.
    private readonly Stack<(string Path, bool IsArray, int NextIndex)> _containers = new();
    private string? _property;

    /// <summary>At a property name: remembers it and returns the path of its value.</summary>
    public string Property(string name)
    {
        _property = (_containers.Count == 0 ? "$" : _containers.Peek().Path) + "." + name;
        return _property;
    }

    /// <summary>
    /// At a value (a scalar or the start of an object or array): its path. <paramref name="isNewPlace"/> is true for
    /// the root and for array elements, whose place was not already named by a property.
    /// </summary>
    public string Value(out bool isNewPlace)
    {
        if (_containers.Count == 0)
        {
            isNewPlace = true;
            return "$";
        }

        var top = _containers.Pop();
        string path;
        if (top.IsArray)
        {
            path = $"{top.Path}[{top.NextIndex}]";
            top.NextIndex++;
            isNewPlace = true;
        }
        else
        {
            path = _property ?? top.Path;
            _property = null;
            isNewPlace = false;
        }

        _containers.Push(top);
        return path;
    }

    /// <summary>At the start of an object or array: reads its path (as <see cref="Value"/>) and enters it.</summary>
    public string Enter(bool isArray, out bool isNewPlace)
    {
        var path = Value(out isNewPlace);
        _containers.Push((path, isArray, 0));
        return path;
    }

    /// <summary>At the end of an object or array.</summary>
    public void Leave() => _containers.Pop();
}
