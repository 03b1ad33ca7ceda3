using Chat.Core.Protocol;

namespace Chat.Core.Tests;

/// <summary>Structural equality of messages; <see cref="IrcMessage"/> has reference equality.</summary>
internal static class MessageAssert
{
    public static void Equal(IrcMessage expected, IrcMessage actual)
    {
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(
            expected.Tags.OrderBy(t => t.Key, StringComparer.Ordinal),
            actual.Tags.OrderBy(t => t.Key, StringComparer.Ordinal));
    }
}
