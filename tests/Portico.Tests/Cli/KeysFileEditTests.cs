using System.Text;
using Portico.Configuration;
using Portico.Tests.Infrastructure;

namespace Portico.Tests.Cli;

/// <summary>
/// <c>portico keys create|revoke --config</c> edit the registry file in place: the key entry is inserted (or its status
/// changed) and every other byte stays as the operator wrote it (issue 22).
/// </summary>
public sealed class KeysFileEditTests : IDisposable
{
    private const string Hash = "0000000000000000000000000000000000000000000000000000000000000000";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, string> Layouts => new()
    {
        {
            "comments, CRLF, a trailing comma, odd spacing, no final newline",
            "// The partner gateway.\r\n{\r\n    \"consumers\": [ { \"id\": \"partner-a\" } ],   // compact on purpose\r\n    /* keys below */\r\n    \"apiKeys\": [\r\n        { \"id\": \"abcdefghijkm\", \"consumer\": \"partner-a\", \"hash\": \"" + Hash + "\" },   // the old one\r\n    ],\r\n    \"routes\": [ { \"id\": \"r\", \"auth\": \"anonymous\", \"match\": { \"path\": \"/x\" }, \"static\": { \"body\": \"x\" } } ]\r\n}"
        },
        {
            "no apiKeys, tabs, members in an unusual order",
            "{\n\t\"routes\": [\n\t\t{ \"match\": { \"path\": \"/x\" }, \"id\": \"r\", \"static\": { \"body\": \"x\" }, \"auth\": \"anonymous\" }\n\t],\n\t\"consumers\": [{\"id\":\"partner-a\"}]\n}\n"
        },
        {
            "the whole registry on one line",
            "{\"consumers\":[{\"id\":\"partner-a\"}],\"routes\":[{\"id\":\"r\",\"auth\":\"anonymous\",\"match\":{\"path\":\"/x\"},\"static\":{\"body\":\"x\"}}]}"
        },
        {
            "a last entry without a comma, followed by a comment",
            "{\n  \"consumers\": [ { \"id\": \"partner-a\" } ],\n  \"apiKeys\": [\n    { \"id\": \"abcdefghijkm\", \"consumer\": \"partner-a\", \"hash\": \"" + Hash + "\" } // primary\n  ],\n  \"routes\": [ { \"id\": \"r\", \"auth\": \"anonymous\", \"match\": { \"path\": \"/x\" }, \"static\": { \"body\": \"x\" } } ] // end\n}\n"
        },
        {
            "an empty apiKeys array",
            "{\n  \"consumers\": [ { \"id\": \"partner-a\" } ],\n  \"apiKeys\": [],\n  \"routes\": [ { \"id\": \"r\", \"auth\": \"anonymous\", \"match\": { \"path\": \"/x\" }, \"static\": { \"body\": \"x\" } } ]\n}\n"
        },
        {
            "an empty multi-line apiKeys array that is the last member, with a byte order mark",
            "\uFEFF{\n  \"consumers\": [ { \"id\": \"partner-a\" } ],\n  \"routes\": [ { \"id\": \"r\", \"auth\": \"anonymous\", \"match\": { \"path\": \"/x\" }, \"static\": { \"body\": \"x\" } } ],\n  \"apiKeys\": [\n  ]\n}\n"
        },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task KeysCreate_AnyLayout_InsertsTheEntryAndKeepsEveryOtherByte(string layout, string registry)
    {
        var path = _directory.File("portico.json");
        var original = Encoding.UTF8.GetBytes(registry);
        await File.WriteAllBytesAsync(path, original);

        var (code, output, error) = await PorticoCli.RunAsync("keys", "create", "--consumer", "partner-a", "--config", path);

        Assert.True(code == 0, $"{layout}: {error}");
        var edited = await File.ReadAllBytesAsync(path);
        var inserted = InsertedText(original, edited);
        var id = output.Trim()[3..15];
        Assert.Contains($"\"id\": \"{id}\"", inserted, StringComparison.Ordinal);
        Assert.Contains("\"consumer\": \"partner-a\"", inserted, StringComparison.Ordinal);
        Assert.Equal(Parse(original).ApiKeys.Count + 1, Parse(edited).ApiKeys.Count);
        Assert.Contains(Parse(edited).ApiKeys, k => k.Id == id && k.Status == "active");
        var entry = Assert.Single(inserted.Split('\n'), line => line.Contains(id, StringComparison.Ordinal)); // one line per entry
        Assert.Contains("\"hash\": \"", entry, StringComparison.Ordinal);
        Assert.Contains("\"created\": \"", entry, StringComparison.Ordinal);
        var newLines = inserted.Count(c => c == '\n');
        Assert.Equal(registry.Contains("\r\n", StringComparison.Ordinal) ? newLines : 0, CountOf(inserted, "\r\n")); // the file's line endings
    }

    [Fact]
    public async Task KeysRevoke_ChangesOnlyTheStatusValue()
    {
        var path = _directory.File("portico.json");
        var registry = "{\r\n  // keys\r\n  \"consumers\": [ { \"id\": \"partner-a\" } ],\r\n  \"apiKeys\": [\r\n    { \"id\": \"abcdefghijkm\", \"consumer\": \"partner-a\", \"hash\": \"" + Hash + "\", \"status\": \"active\" },\r\n    { \"id\": \"bcdefghijkmn\", \"consumer\": \"partner-a\", \"hash\": \"" + Hash + "\" }\r\n  ]\r\n}";
        await File.WriteAllTextAsync(path, registry);

        var (code, _, error) = await PorticoCli.RunAsync("keys", "revoke", "abcdefghijkm", "--config", path);
        Assert.True(code == 0, error);
        Assert.Equal(registry.Replace("\"status\": \"active\"", "\"status\": \"revoked\"", StringComparison.Ordinal), await File.ReadAllTextAsync(path));

        (code, _, error) = await PorticoCli.RunAsync("keys", "revoke", "bcdefghijkmn", "--config", path);
        Assert.True(code == 0, error);
        var expected = registry
            .Replace("\"status\": \"active\"", "\"status\": \"revoked\"", StringComparison.Ordinal)
            .Replace("\"hash\": \"" + Hash + "\" }", "\"hash\": \"" + Hash + "\", \"status\": \"revoked\" }", StringComparison.Ordinal);
        Assert.Equal(expected, await File.ReadAllTextAsync(path));
        Assert.All(Parse(await File.ReadAllBytesAsync(path)).ApiKeys, k => Assert.Equal("revoked", k.Status));
    }

    /// <summary>What <paramref name="edited"/> adds to <paramref name="original"/>, asserting that nothing was removed or changed.</summary>
    private static string InsertedText(byte[] original, byte[] edited)
    {
        var prefix = 0;
        while (prefix < original.Length && prefix < edited.Length && original[prefix] == edited[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < original.Length - prefix && suffix < edited.Length - prefix && original[^(suffix + 1)] == edited[^(suffix + 1)])
        {
            suffix++;
        }

        // Every original byte is in the common prefix or suffix, or kept whole between the two insertion points (a
        // comma added after the last entry, and the new line after the comment that ends its line).
        var insertedEnd = edited.Length - suffix;
        var keptMiddle = original.AsSpan(prefix, original.Length - prefix - suffix);
        var insertedSpan = edited.AsSpan(prefix, insertedEnd - prefix);
        Assert.True(insertedSpan.IndexOf(keptMiddle) >= 0, "the edit changed or removed bytes of the original file");
        return Encoding.UTF8.GetString(insertedSpan);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static RegistryDocument Parse(byte[] bytes)
    {
        var parsed = RegistrySerializer.ParseDocument(bytes, "portico.json");
        Assert.True(parsed.Value is not null, string.Join("\n", parsed.Errors));
        return parsed.Value!;
    }
}
