#!/usr/bin/python3
"""A real IRC client (Debian's python3-irc) for the interop tests.

    irc_peer.py HOST PORT NICK CHANNEL PEER

Connects as NICK, joins CHANNEL, then answers PEER: a message in the channel
gets "echo: <text>" back in the channel, a private message gets
"private echo: <text>" back in private, and an action gets an action back.
"bye" in the channel makes it quit. Everything it sees is printed as one line
("READY", "PUBLIC <nick> <text>", "PRIVATE <nick> <text>", "ACTION <nick> <text>")
for the test to read. It gives up after 20 seconds (exit code 2).
"""
import sys
import time

import irc.client

host, port, nick, channel, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
deadline = time.monotonic() + 20
done = False


def say(*words):
    print(" ".join(words), flush=True)


def sender(event):
    return irc.client.NickMask(event.source).nick


def on_welcome(connection, event):
    connection.join(channel)


def on_join(connection, event):
    if sender(event) == nick:
        say("READY")


def on_pubmsg(connection, event):
    global done
    text = event.arguments[0]
    say("PUBLIC", sender(event), text)
    if sender(event) == peer:
        if text == "bye":
            connection.quit("done")
            done = True
        else:
            connection.privmsg(channel, "echo: " + text)


def on_privmsg(connection, event):
    text = event.arguments[0]
    say("PRIVATE", sender(event), text)
    if sender(event) == peer:
        connection.privmsg(peer, "private echo: " + text)


def on_action(connection, event):
    text = event.arguments[0]
    say("ACTION", sender(event), text)
    if sender(event) == peer:
        connection.action(channel, "waves back")


def on_error(connection, event):
    say("ERROR", " ".join(event.arguments))


client = irc.client.IRC()
server = client.server().connect(host, port, nick, username=nick.lower(), ircname="interop peer")
for name, handler in [("welcome", on_welcome), ("join", on_join), ("pubmsg", on_pubmsg),
                      ("privmsg", on_privmsg), ("action", on_action), ("error", on_error)]:
    client.add_global_handler(name, handler)

while not done and time.monotonic() < deadline:
    client.process_once(0.2)

sys.exit(0 if done else 2)
