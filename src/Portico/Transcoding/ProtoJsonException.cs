namespace Portico.Transcoding;

/// <summary>
/// JSON the codec cannot map to the message, or a message it cannot write as JSON. It never leaves the codec:
/// <see cref="JsonToProto"/> and <see cref="ProtoToJson"/> turn it into an error value naming the field, and each level
/// it unwinds through adds its field name to <see cref="FieldPath"/>, so no path is built unless there is an error.
/// </summary>
internal sealed class ProtoJsonException(string reason) : Exception(reason)
{
    /// <summary>Where in the JSON the problem is, such as <c>user.tags[2]</c>; empty at the top level.</summary>
    public string FieldPath { get; private set; } = "";

    /// <summary>What is wrong, without the path.</summary>
    public string Reason { get; } = reason;

    /// <summary>Puts a member name in front of the path.</summary>
    public void PrependMember(string name) => FieldPath = FieldPath.Length == 0 || FieldPath[0] == '[' ? name + FieldPath : name + "." + FieldPath;

    /// <summary>Puts an array index or map key in front of the path.</summary>
    public void PrependIndex(string index) => FieldPath = "[" + index + "]" + (FieldPath.Length == 0 || FieldPath[0] == '[' ? "" : ".") + FieldPath;

    /// <summary>The reason with the field it is about, for a problem detail.</summary>
    public string Describe() => FieldPath.Length == 0 ? Reason : $"field '{FieldPath}': {Reason}";
}
