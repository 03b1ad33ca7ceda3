using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>KICK and INVITE: an operator removing someone, a member inviting someone.</summary>
public sealed class Moderation
{
    /// <summary>KICKLEN: longer kick reasons are cut to this many characters.</summary>
    public const int MaxKickReasonLength = 255;

    /// <summary>TARGMAX for KICK: users one KICK may remove; the rest are dropped silently (Modern IRC).</summary>
    public const int MaxKickTargets = 4;

    private readonly ChatServer _server;

    public Moderation(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Kick, 2, false, KickCommand);
        table.Add(IrcCommands.Invite, 0, false, InviteCommand);
    }

    /// <summary>
    /// "KICK #room a,b [:reason]" kicks each user from the room; "KICK #a,#b x,y"
    /// pairs rooms and users one to one (RFC 2812). Anything else answers
    /// ERR_NEEDMOREPARAMS.
    /// </summary>
    private void KickCommand(Client client, IrcMessage message)
    {
        string[] rooms = message.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        string[] users = message.Parameters[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (rooms.Length == 0 || users.Length == 0 || (rooms.Length != 1 && rooms.Length != users.Length))
        {
            client.SendNumeric(Numerics.ERR_NEEDMOREPARAMS, IrcCommands.Kick, "Not enough parameters");
            return;
        }

        string? given = message.Param(2);
        string reason = IrcText.Truncate(string.IsNullOrEmpty(given) ? client.Nick! : given, MaxKickReasonLength);
        for (int i = 0; i < Math.Min(users.Length, MaxKickTargets); i++)
        {
            Kick(client, rooms.Length == 1 ? rooms[0] : rooms[i], users[i], reason);
        }
    }

    /// <summary>Removes <paramref name="nick"/> from the room and tells everyone in it, the kicked user included.</summary>
    public void Kick(Client client, string room, string nick, string reason)
    {
        var state = _server.State;
        lock (state.Gate)
        {
            var channel = state.FindChannel(room);
            if (channel is null)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, room, "No such channel");
                return;
            }

            if (!channel.Contains(client))
            {
                client.SendNumeric(Numerics.ERR_NOTONCHANNEL, channel.Name, "You're not on that channel");
                return;
            }

            if (!channel.IsOperator(client))
            {
                client.SendNumeric(Numerics.ERR_CHANOPRIVSNEEDED, channel.Name, "You're not channel operator");
                return;
            }

            var target = state.FindNick(nick);
            if (target is null || !target.IsRegistered)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
                return;
            }

            if (!channel.Contains(target))
            {
                client.SendNumeric(Numerics.ERR_USERNOTINCHANNEL, target.Nick!, channel.Name, "They aren't on that channel");
                return;
            }

            var kick = _server.Events.Kick(client, channel, target, reason);
            client.Deliver(kick);
            var others = channel.Members.Where(m => m != client).ToArray();
            void TellOthers()
            {
                foreach (var member in others)
                {
                    member.Deliver(kick);
                }
            }

            // Cluster hook: the others here (the kicked user too) are told in the order the database gives every node.
            if (_server.Cluster?.Kicked(client, channel, target, reason, TellOthers) != true)
            {
                TellOthers();
            }

            channel.Remove(target);
            target.Channels.Remove(channel);
            state.DropIfEmpty(channel);
        }
    }

    /// <summary>
    /// "INVITE nick #room" as Modern IRC has it: the room must exist, the inviter
    /// be in it (and an operator when it is +i), the invitee not yet in it. The
    /// inviter gets RPL_INVITING, the invitee an INVITE, nobody else anything.
    /// "INVITE" alone lists one's pending invitations.
    /// </summary>
    private void InviteCommand(Client client, IrcMessage message)
    {
        if (message.Parameters.Count == 0)
        {
            ListInvites(client);
            return;
        }

        if (message.Parameters.Count < 2)
        {
            client.SendNumeric(Numerics.ERR_NEEDMOREPARAMS, IrcCommands.Invite, "Not enough parameters");
            return;
        }

        string nick = message.Parameters[0];
        string room = message.Parameters[1];
        var state = _server.State;
        lock (state.Gate)
        {
            var target = state.FindNick(nick);
            if (target is null || !target.IsRegistered)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
                return;
            }

            var channel = state.FindChannel(room);
            if (channel is null)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, room, "No such channel");
                return;
            }

            if (!channel.Contains(client))
            {
                client.SendNumeric(Numerics.ERR_NOTONCHANNEL, channel.Name, "You're not on that channel");
                return;
            }

            if (channel.InviteOnly && !channel.IsOperator(client))
            {
                client.SendNumeric(Numerics.ERR_CHANOPRIVSNEEDED, channel.Name, "You're not channel operator");
                return;
            }

            if (channel.Contains(target))
            {
                client.SendNumeric(Numerics.ERR_USERONCHANNEL, target.Nick!, channel.Name, "is already on channel");
                return;
            }

            state.AddInvite(target, channel);
            client.SendNumeric(Numerics.RPL_INVITING, target.Nick!, channel.Name);
            target.Deliver(_server.Events.Invite(client, target, channel));
            if (target.IsRemote)
            {
                // Cluster hook: the invitee's node remembers the invitation and tells it.
                _server.Cluster?.Invited(client, target, channel);
            }

            // invite-notify: the room's other operators who asked are told too.
            var notice = _server.Events.CapOnly(client, Cap.InviteNotify, IrcCommands.Invite, target.Nick!, channel.Name);
            foreach (var member in channel.Members)
            {
                if (member != client && member != target && channel.IsOperator(member))
                {
                    member.Deliver(notice);
                }
            }
        }
    }

    private void ListInvites(Client client)
    {
        List<Channel> invites;
        lock (_server.State.Gate)
        {
            invites = _server.State.InvitesOf(client);
        }

        foreach (var channel in invites)
        {
            client.SendNumeric(Numerics.RPL_INVITELIST, channel.Name);
        }

        client.SendNumeric(Numerics.RPL_ENDOFINVITELIST, "End of /INVITE list");
    }
}
