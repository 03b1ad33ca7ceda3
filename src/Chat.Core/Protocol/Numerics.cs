namespace Chat.Core.Protocol;

/// <summary>The numeric replies we send or read, named as in RFC 2812 and Modern IRC.</summary>
public static class Numerics
{
    public const string RPL_WELCOME = "001";
    public const string RPL_YOURHOST = "002";
    public const string RPL_CREATED = "003";
    public const string RPL_MYINFO = "004";
    public const string RPL_ISUPPORT = "005";
    public const string RPL_UMODEIS = "221";
    public const string RPL_LUSERCLIENT = "251";
    public const string RPL_LUSERCHANNELS = "254";
    public const string RPL_LUSERME = "255";
    public const string RPL_ENDOFWHO = "315";
    public const string RPL_WHOISACCOUNT = "330";
    public const string RPL_LISTSTART = "321";
    public const string RPL_LIST = "322";
    public const string RPL_LISTEND = "323";
    public const string RPL_CHANNELMODEIS = "324";
    public const string RPL_CREATIONTIME = "329";
    public const string RPL_NOTOPIC = "331";
    public const string RPL_TOPIC = "332";
    public const string RPL_TOPICWHOTIME = "333";
    public const string RPL_INVITELIST = "336";
    public const string RPL_ENDOFINVITELIST = "337";
    public const string RPL_INVITING = "341";
    public const string RPL_WHOREPLY = "352";
    public const string RPL_NAMREPLY = "353";
    public const string RPL_ENDOFNAMES = "366";
    public const string RPL_BANLIST = "367";
    public const string RPL_ENDOFBANLIST = "368";
    public const string RPL_MOTD = "372";
    public const string RPL_MOTDSTART = "375";
    public const string RPL_ENDOFMOTD = "376";

    public const string ERR_NOSUCHNICK = "401";
    public const string ERR_NOSUCHCHANNEL = "403";
    public const string ERR_CANNOTSENDTOCHAN = "404";
    public const string ERR_TOOMANYCHANNELS = "405";
    public const string ERR_TOOMANYTARGETS = "407";
    public const string ERR_NOORIGIN = "409";
    public const string ERR_NORECIPIENT = "411";
    public const string ERR_NOTEXTTOSEND = "412";
    public const string ERR_INPUTTOOLONG = "417";
    public const string ERR_UNKNOWNCOMMAND = "421";
    public const string ERR_NOMOTD = "422";
    public const string ERR_NONICKNAMEGIVEN = "431";
    public const string ERR_ERRONEUSNICKNAME = "432";
    public const string ERR_NICKNAMEINUSE = "433";
    public const string ERR_USERNOTINCHANNEL = "441";
    public const string ERR_NOTONCHANNEL = "442";
    public const string ERR_USERONCHANNEL = "443";
    public const string ERR_NOTREGISTERED = "451";
    public const string ERR_NEEDMOREPARAMS = "461";
    public const string ERR_ALREADYREGISTERED = "462";
    public const string ERR_CHANNELISFULL = "471";
    public const string ERR_UNKNOWNMODE = "472";
    public const string ERR_INVITEONLYCHAN = "473";
    public const string ERR_BANNEDFROMCHAN = "474";
    public const string ERR_BADCHANNELKEY = "475";
    public const string ERR_BADCHANMASK = "476";
    public const string ERR_BANLISTFULL = "478";
    public const string ERR_CHANOPRIVSNEEDED = "482";
    public const string ERR_UMODEUNKNOWNFLAG = "501";
    public const string ERR_USERSDONTMATCH = "502";
    public const string ERR_INVALIDCAPCMD = "410";
    public const string ERR_INVALIDMODEPARAM = "696";

    // User queries, server queries and operators (WHO/WHOIS/WHOWAS, VERSION..., OPER, KILL).
    public const string RPL_ADMINME = "256";
    public const string RPL_ADMINLOC1 = "257";
    public const string RPL_ADMINLOC2 = "258";
    public const string RPL_ADMINEMAIL = "259";
    public const string RPL_LUSEROP = "252";
    public const string RPL_AWAY = "301";
    public const string RPL_USERHOST = "302";
    public const string RPL_ISON = "303";
    public const string RPL_UNAWAY = "305";
    public const string RPL_NOWAWAY = "306";
    public const string RPL_WHOISUSER = "311";
    public const string RPL_WHOISSERVER = "312";
    public const string RPL_WHOISOPERATOR = "313";
    public const string RPL_WHOWASUSER = "314";
    public const string RPL_WHOISIDLE = "317";
    public const string RPL_ENDOFWHOIS = "318";
    public const string RPL_WHOISCHANNELS = "319";
    public const string RPL_VERSION = "351";
    public const string RPL_WHOSPCRPL = "354";
    public const string RPL_ENDOFWHOWAS = "369";
    public const string RPL_INFO = "371";
    public const string RPL_ENDOFINFO = "374";
    public const string RPL_YOUREOPER = "381";
    public const string RPL_TIME = "391";
    public const string ERR_NOSUCHSERVER = "402";
    public const string ERR_WASNOSUCHNICK = "406";
    public const string ERR_PASSWDMISMATCH = "464";
    public const string ERR_NOPRIVILEGES = "481";
    public const string ERR_NOOPERHOST = "491";

    /// <summary>True for a three-digit numeric reply.</summary>
    public static bool IsNumeric(string command) =>
        command.Length == 3 && char.IsAsciiDigit(command[0]) && char.IsAsciiDigit(command[1]) && char.IsAsciiDigit(command[2]);
}
