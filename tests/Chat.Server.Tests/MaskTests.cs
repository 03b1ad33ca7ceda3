namespace Chat.Server.Tests;

public class MaskTests
{
    [Theory]
    [InlineData("bob!*@*", "bob!~bob@127.0.0.1", true)]
    [InlineData("BOB!*@*", "bob!~bob@127.0.0.1", true)]
    [InlineData("bob!*@*", "Bob!~bob@127.0.0.1", true)]
    [InlineData("bob!*@*", "bobby!~bob@127.0.0.1", false)]
    [InlineData("b?b!*@*", "bob!~bob@127.0.0.1", true)]
    [InlineData("b?b!*@*", "bb!~bob@127.0.0.1", false)]
    [InlineData("*!*@127.0.0.*", "ana!~ana@127.0.0.1", true)]
    [InlineData("*!*@127.0.0.*", "ana!~ana@10.0.0.1", false)]
    [InlineData("*", "anything!at@all", true)]
    [InlineData("*a*b*c*", "xxaxxbxxcxx", true)]
    [InlineData("*a*b*c*", "xxaxxcxxbxx", false)]
    [InlineData("a*", "", false)]
    [InlineData("", "", true)]
    [InlineData("maría!*@*", "MARÍA!~maría@h", true)]
    [InlineData("#ch*", "#chan1", true)]
    [InlineData("*an2", "#chan1", false)]
    public void Matches_globs_ignoring_case(string mask, string subject, bool expected) =>
        Assert.Equal(expected, Masks.Matches(mask, subject));

    [Fact]
    public void Matching_a_hostile_mask_stays_fast()
    {
        string mask = string.Concat(Enumerable.Repeat("*a", 60)) + "b";
        string subject = new('a', 5000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Masks.Matches(mask, subject));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("bob", "bob!*@*")]
    [InlineData("bob!u", "bob!u@*")]
    [InlineData("u@host", "*!u@host")]
    [InlineData("*!*@host", "*!*@host")]
    [InlineData("bob!@", "bob!*@*")]
    [InlineData("!u@h", "*!u@h")]
    public void Normalize_fills_in_the_missing_parts(string mask, string expected) =>
        Assert.Equal(expected, Masks.Normalize(mask));

    [Theory]
    [InlineData("")]
    [InlineData(":bob")]
    [InlineData("a b")]
    [InlineData("a,b")]
    public void Normalize_refuses_what_cannot_be_a_mask(string mask) => Assert.Null(Masks.Normalize(mask));

    [Fact]
    public void Normalize_refuses_overlong_masks() =>
        Assert.Null(Masks.Normalize(new string('a', Masks.MaxLength + 1)));
}
