namespace Chat.Client;

/// <summary>A joined room and how many messages arrived there since it was last the current room.</summary>
public sealed record RoomStatus(string Name, int Unread);

/// <summary>
/// What the status line of a terminal shows: who we are, the current room, the
/// other rooms with their unread counts, and the state of the connection in
/// words ("connected", "reconnecting in 4s").
/// </summary>
public sealed record ChatStatus(string? Nick, string? Current, IReadOnlyList<RoomStatus> Rooms, string Connection);
