namespace Chat.Client.Tests;

public class RoomMembersTests
{
    [Fact]
    public void Members_follow_names_joins_parts_quits_nicks_and_kicks()
    {
        var members = new RoomMembers();
        members.Apply(new NamesReceived("#general", ["@Ana", "+Beto", "Juan"]));
        members.Apply(new UserJoined("Eva", "#GENERAL", false));
        members.Apply(new UserJoined("Eva", "#dev", false));
        Assert.Equal(["Ana", "Beto", "Eva", "Juan"], members.In("#general").Order());
        members.Apply(new NickChanged("Eva", "Evita", false));
        members.Apply(new UserLeft("Beto", "#general", null, false));
        members.Apply(new UserKicked("Ana", "#general", "Juan", null, false));
        Assert.Equal(["Evita", "Juan"], members.In("#general").Order());
        Assert.Equal(["Evita"], members.In("#dev"));
        members.Apply(new UserLeft("Evita", null, "bye", false));
        Assert.Equal(["Juan"], members.In("#general"));
        members.Apply(new UserLeft("Juan", "#general", null, true));
        Assert.Empty(members.In("#general"));
    }

    [Fact]
    public void Unread_counts_are_per_room_and_cleared_when_it_becomes_current()
    {
        var rooms = new ChatRooms("#general");
        rooms.Confirmed("#general");
        rooms.Confirmed("#dev");
        rooms.CountUnread("#dev");
        rooms.CountUnread("#dev");
        rooms.CountUnread("#general");
        Assert.Equal([new RoomStatus("#general", 0), new RoomStatus("#dev", 2)], rooms.Statuses());
        rooms.SwitchTo("#dev");
        Assert.Equal([new RoomStatus("#general", 0), new RoomStatus("#dev", 0)], rooms.Statuses());
    }
}
