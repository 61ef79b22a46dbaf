using Portico.Auth;

namespace Portico.Tests.Auth;

/// <summary>The API key format: high-entropy keys, a non-secret id for lookup, only a hash stored, shape checked before any lookup.</summary>
public sealed class ApiKeyFormatTests
{
    [Fact]
    public void Generate_ManyKeys_AreDistinctWellFormedAndCarryTheirId()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeyFormat.Generate()).ToList();

        Assert.Equal(1000, keys.Select(k => k.Key).Distinct().Count());
        Assert.All(keys, k =>
        {
            Assert.Equal(ApiKeyFormat.KeyLength, k.Key.Length);
            Assert.Equal(k.Id, ApiKeyFormat.IdOf(k.Key));
            Assert.True(ApiKeyFormat.IsValidId(k.Id));
        });
    }

    [Theory]
    [InlineData("")]
    [InlineData("pk_")]
    [InlineData("sk_abcdefghijkm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pk_abcdefghijkl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 'l' is not in the id alphabet
    [InlineData("pk_abcdefghijkm-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pk_abcdefghijkm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%0A")] // right length, a character outside base64url
    [InlineData("pk_abcdefghijkm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // one character too long
    public void IdOf_MalformedKey_IsNull(string key) => Assert.Null(ApiKeyFormat.IdOf(key));

    [Fact]
    public void Matches_OnlyTheKeyWhoseHashIsStored()
    {
        var (key, _) = ApiKeyFormat.Generate();
        var stored = ApiKeyRecord.ParseHash(ApiKeyFormat.Hash(key))!;

        Assert.True(ApiKeyFormat.Matches(key, stored));
        Assert.False(ApiKeyFormat.Matches(key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), stored));
        Assert.Equal(64, ApiKeyFormat.Hash(key).Length);
        Assert.DoesNotContain(key[16..], ApiKeyFormat.Hash(key), StringComparison.Ordinal);
    }
}
