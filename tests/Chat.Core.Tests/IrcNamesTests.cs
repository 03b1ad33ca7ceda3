using Chat.Core.Protocol;

namespace Chat.Core.Tests;

public class IrcCaseMappingTests
{
    [Theory]
    [InlineData("Alice", "alice")]
    [InlineData("ALICE", "alice")]
    [InlineData("#Chan", "#chan")]
    [InlineData("[]\\~^", "[]\\~^")]   // ascii casemapping: no RFC 1459 bracket folding
    [InlineData("Zz09_-", "zz09_-")]
    [InlineData("María", "maría")]
    [InlineData("MARÍA", "maría")]
    [InlineData("ÑANDÚ", "ñandú")]
    public void Fold(string name, string folded)
    {
        Assert.Equal(folded, IrcCaseMapping.Fold(name));
    }

    [Fact]
    public void FoldOfLowercaseAsciiIsTheSameString()
    {
        const string name = "alice";
        Assert.Same(name, IrcCaseMapping.Fold(name));
    }

    [Theory]
    [InlineData("alice", "ALICE")]
    [InlineData("Alice", "aLiCe")]
    [InlineData("María", "MARÍA")]
    [InlineData("maría", "MARÍA")]
    [InlineData("#Café", "#CAFÉ")]
    public void EqualNames(string a, string b)
    {
        Assert.True(IrcCaseMapping.Equals(a, b));
        Assert.True(IrcCaseMapping.Comparer.Equals(a, b));
        Assert.Equal(IrcCaseMapping.Comparer.GetHashCode(a), IrcCaseMapping.Comparer.GetHashCode(b));
    }

    [Theory]
    [InlineData("alice", "alicf")]
    [InlineData("alice", "alice_")]
    [InlineData("[a]", "{a}")]
    [InlineData("maria", "maría")]
    [InlineData("MARIA", "MARÍA")]
    public void DifferentNames(string a, string b)
    {
        Assert.False(IrcCaseMapping.Equals(a, b));
        Assert.False(IrcCaseMapping.Comparer.Equals(a, b));
    }

    [Fact]
    public void ComparerKeysADictionary()
    {
        var users = new Dictionary<string, int>(IrcCaseMapping.Comparer) { ["María"] = 1, ["Bob"] = 2 };
        Assert.Equal(1, users["MARÍA"]);
        Assert.Equal(2, users["bOB"]);
        Assert.False(users.ContainsKey("Maria"));
        Assert.False(users.TryAdd("maría", 3));
    }

    [Fact]
    public void ComparerHandlesNull()
    {
        Assert.True(IrcCaseMapping.Comparer.Equals(null, null));
        Assert.False(IrcCaseMapping.Comparer.Equals("a", null));
        Assert.False(IrcCaseMapping.Comparer.Equals(null, "a"));
    }

    [Fact]
    public void TokenIsAscii()
    {
        Assert.Equal("ascii", IrcCaseMapping.Token);
    }
}

public class IrcValidationTests
{
    [Theory]
    [InlineData("alice")]
    [InlineData("a")]
    [InlineData("Alice_2")]
    [InlineData("[away]")]
    [InlineData("\\o|")]
    [InlineData("`^{|}-_")]
    [InlineData("María")]
    [InlineData("MARÍA")]
    [InlineData("Mari\u0301a")]   // decomposed accent
    [InlineData("Ñandú")]
    [InlineData("Дмитрий")]
    [InlineData("太郎")]
    [InlineData("a-1")]
    [InlineData("abcdefghijabcdefghijabcdefghij")] // 30
    public void ValidNicks(string nick)
    {
        Assert.True(IrcValidation.IsValidNick(nick), nick);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1alice")]
    [InlineData("9")]
    [InlineData("-alice")]
    [InlineData("al ice")]
    [InlineData(" alice")]
    [InlineData("alice ")]
    [InlineData("abcdefghijabcdefghijabcdefghijk")] // 31
    [InlineData("alice!")]
    [InlineData("a@b")]
    [InlineData("a,b")]
    [InlineData("#alice")]
    [InlineData(":alice")]
    [InlineData("a*")]
    [InlineData("a.b")]
    [InlineData("\\o/")]
    [InlineData("a\0")]
    [InlineData("a\r")]
    [InlineData("a\tb")]
    [InlineData("😀")]
    public void InvalidNicks(string nick)
    {
        Assert.False(IrcValidation.IsValidNick(nick), nick);
    }

    [Theory]
    [InlineData("#a")]
    [InlineData("#chat")]
    [InlineData("#café")]
    [InlineData("##meta")]
    [InlineData("#a-b_c.d!e@f")]
    [InlineData("#😀")]
    public void ValidChannels(string name)
    {
        Assert.True(IrcValidation.IsValidChannel(name), name);
        Assert.True(IrcValidation.IsChannel(name));
    }

    [Fact]
    public void ChannelLengthLimit()
    {
        Assert.True(IrcValidation.IsValidChannel("#" + new string('c', IrcValidation.MaxChannelLength - 1)));
        Assert.False(IrcValidation.IsValidChannel("#" + new string('c', IrcValidation.MaxChannelLength)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("#")]
    [InlineData("chat")]
    [InlineData("&chat")]
    [InlineData("#a b")]
    [InlineData("#a,#b")]
    [InlineData("#a\a")]
    [InlineData("#a:b")]
    [InlineData("#a\0")]
    [InlineData("#a\r")]
    [InlineData("#a\n")]
    public void InvalidChannels(string name)
    {
        Assert.False(IrcValidation.IsValidChannel(name), name);
    }

    [Theory]
    [InlineData("alice", false)]
    [InlineData("", false)]
    [InlineData("&a", false)]
    [InlineData("#", true)]
    public void IsChannel(string target, bool expected)
    {
        Assert.Equal(expected, IrcValidation.IsChannel(target));
    }
}
