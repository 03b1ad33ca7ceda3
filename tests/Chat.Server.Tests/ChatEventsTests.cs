using System.Globalization;
using Chat.Server.Resources;

namespace Chat.Server.Tests;

public sealed class ChatEventsTests
{
    [Fact]
    public void Msgids_are_unique_and_each_process_has_its_own_64_bit_prefix()
    {
        var first = new ChatEvents(new ServerText(CultureInfo.InvariantCulture));
        var second = new ChatEvents(new ServerText(CultureInfo.InvariantCulture));
        var ids = Enumerable.Range(0, 1000).Select(_ => first.NewMsgId()).Concat(Enumerable.Range(0, 1000).Select(_ => second.NewMsgId())).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{17,}$", id));
        string firstPrefix = ids[0][..16], secondPrefix = ids[^1][..16];
        Assert.All(ids.Take(1000), id => Assert.StartsWith(firstPrefix, id, StringComparison.Ordinal));
        Assert.All(ids.Skip(1000), id => Assert.StartsWith(secondPrefix, id, StringComparison.Ordinal));
        Assert.NotEqual(firstPrefix, secondPrefix);
    }
}
