using System.Text;
using Portico.JsonText;

namespace Portico.Tests.JsonText;

/// <summary>The check every parser of a caller's or a backend's JSON runs first: UTF-8 text, no escaped lone surrogate.</summary>
public sealed class JsonUnicodeTests
{
    [Theory]
    [InlineData("""{"a":"plain","b":["ü","日本"]}""")]
    [InlineData("""{"a":"\ud83d\ude00","\u00e9":"\n\u0041"}""")] // a surrogate pair and ordinary escapes
    [InlineData("""{"a":"\\ud800"}""")] // an escaped backslash, then the letters: no surrogate at all
    [InlineData("""{"a": """)] // not JSON: left to the parser, which reports where
    public void IsValid_UnicodeText_True(string json) => Assert.True(JsonUnicode.IsValid(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"a":"\ud800"}""")]
    [InlineData("""{"a":"x\udc00y"}""")]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""[1,{"a":["\ud83d\u0041"]}]""")] // a high surrogate followed by a letter
    public void IsValid_EscapedLoneSurrogate_False(string json) => Assert.False(JsonUnicode.IsValid(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void IsValid_LongEscapedStrings_CheckedBeyondTheStackBuffer()
    {
        var pair = string.Concat(Enumerable.Repeat("\\ud83d\\ude00", 200));
        Assert.True(JsonUnicode.IsValid(Encoding.UTF8.GetBytes($$"""{"a":"{{pair}}"}""")));
        Assert.False(JsonUnicode.IsValid(Encoding.UTF8.GetBytes($$"""{"a":"{{pair}}\ud800"}""")));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'"', 0xFF, (byte)'"' })]
    [InlineData(new byte[] { (byte)'"', 0xC3, (byte)'"' })] // a sequence cut short
    [InlineData(new byte[] { (byte)'"', 0xC0, 0xAF, (byte)'"' })] // an overlong '/'
    [InlineData(new byte[] { (byte)'"', 0xED, 0xA0, 0x80, (byte)'"' })] // a surrogate encoded in UTF-8
    public void IsValid_NotUtf8_False(byte[] json) => Assert.False(JsonUnicode.IsValid(json));
}
