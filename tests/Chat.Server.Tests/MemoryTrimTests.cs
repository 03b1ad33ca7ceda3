namespace Chat.Server.Tests;

public class MemoryTrimTests
{
    [Fact]
    public void Memory_is_trimmed_once_a_burst_of_connections_has_been_quiet_for_a_while_and_not_again_too_soon()
    {
        var trim = new MemoryTrim();
        long start = Environment.TickCount64;
        for (int i = 0; i < MemoryTrim.Burst - 1; i++)
        {
            trim.Connected();
        }

        long quiet = start + (long)MemoryTrim.Quiet.TotalMilliseconds + 1000;
        Assert.False(trim.CheckNow(quiet));

        trim.Connected();
        Assert.False(trim.CheckNow(Environment.TickCount64));
        Assert.True(trim.CheckNow(quiet));

        // Nothing new since: no second trim.
        Assert.False(trim.CheckNow(quiet + (long)MemoryTrim.MinInterval.TotalMilliseconds * 2));

        for (int i = 0; i < MemoryTrim.Burst; i++)
        {
            trim.Connected();
        }

        // Another burst, but within a minute of the last trim.
        Assert.False(trim.CheckNow(quiet + 1000));
        Assert.True(trim.CheckNow(quiet + (long)MemoryTrim.MinInterval.TotalMilliseconds + 1));
    }
}
