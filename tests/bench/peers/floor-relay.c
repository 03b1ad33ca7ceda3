/*
 * The floor for `chat bench pairs`: the least work any IRC server can do per
 * private message. One thread, one epoll; a client registers with NICK and
 * USER (answered with 001), PING gets PONG, and `PRIVMSG nick :text` goes to
 * that nick with one send(). Nothing is stored, checked or limited, rooms do
 * not exist. What it reaches on a machine is the most that machine allows a
 * server that writes each private message with its own system call.
 *
 *   gcc -O2 -o floor-relay floor-relay.c && taskset -c 0 ./floor-relay PORT
 *
 * It listens on 127.0.0.1 only and exits by itself after ten minutes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536
#define NICK_SLOTS 65536 /* open addressing, a power of two */

typedef struct {
    char nick[32];
    int has_nick, has_user, registered;
    int in_len;
    char in[4096];
} client;

static client *clients[MAX_FD];
static int nick_table[NICK_SLOTS]; /* fd + 1; 0 when free, -1 when its client left */

static unsigned hash(const char *s, int n) {
    unsigned h = 2166136261u;
    for (int i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h & (NICK_SLOTS - 1);
}

static int same_nick(int fd, const char *s, int n) {
    return clients[fd] && (int)strlen(clients[fd]->nick) == n && memcmp(clients[fd]->nick, s, n) == 0;
}

static int find_nick(const char *s, int n) {
    for (unsigned h = hash(s, n); nick_table[h]; h = (h + 1) & (NICK_SLOTS - 1))
        if (nick_table[h] > 0 && same_nick(nick_table[h] - 1, s, n)) return nick_table[h] - 1;
    return -1;
}

static void add_nick(int fd) {
    unsigned h = hash(clients[fd]->nick, strlen(clients[fd]->nick));
    while (nick_table[h]) h = (h + 1) & (NICK_SLOTS - 1);
    nick_table[h] = fd + 1;
}

static void drop(int fd) {
    if (clients[fd]->registered) {
        unsigned h = hash(clients[fd]->nick, strlen(clients[fd]->nick));
        while (nick_table[h] != fd + 1) h = (h + 1) & (NICK_SLOTS - 1);
        nick_table[h] = -1;
    }
    close(fd);
    free(clients[fd]);
    clients[fd] = NULL;
}

static void reply(int fd, const char *bytes, int n) {
    send(fd, bytes, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void on_line(int fd, char *line, int n) {
    client *c = clients[fd];
    char out[4200];
    int m;
    if (n > 5 && memcmp(line, "NICK ", 5) == 0) {
        int k = n - 5 < 31 ? n - 5 : 31;
        memcpy(c->nick, line + 5, k);
        c->nick[k] = 0;
        c->has_nick = 1;
    } else if (n > 5 && memcmp(line, "USER ", 5) == 0) {
        c->has_user = 1;
    } else if (n > 5 && memcmp(line, "PING ", 5) == 0) {
        m = snprintf(out, sizeof out, "PONG %.*s\r\n", n - 5, line + 5);
        reply(fd, out, m);
    } else if (n > 8 && memcmp(line, "PRIVMSG ", 8) == 0 && c->registered) {
        char *target = line + 8, *space = memchr(target, ' ', n - 8);
        int to = space ? find_nick(target, (int)(space - target)) : -1;
        if (to >= 0) {
            m = snprintf(out, sizeof out, ":%s!~u@127.0.0.1 PRIVMSG %.*s\r\n", c->nick, n - 8, target);
            reply(to, out, m);
        }
    }
    if (!c->registered && c->has_nick && c->has_user) {
        c->registered = 1;
        add_nick(fd);
        m = snprintf(out, sizeof out, ":floor 001 %s :Welcome\r\n", c->nick);
        reply(fd, out, m);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: floor-relay PORT\n");
        return 2;
    }
    alarm(600);
    int one = 1, listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&at, sizeof at) != 0 || listen(listener, 4096) != 0) {
        perror("floor-relay");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener}, ready[512];
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    for (;;) {
        int count = epoll_wait(ep, ready, 512, -1);
        for (int i = 0; i < count; i++) {
            int fd = ready[i].data.fd, s;
            if (fd == listener) {
                while ((s = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (s >= MAX_FD) { close(s); continue; }
                    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    clients[s] = calloc(1, sizeof(client));
                    struct epoll_event e = {.events = EPOLLIN, .data.fd = s};
                    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
                }
                continue;
            }
            client *c = clients[fd];
            ssize_t r = recv(fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
            if (r < 0 && errno == EAGAIN) continue;
            if (r <= 0) { drop(fd); continue; }
            c->in_len += r;
            int start = 0;
            for (int j = 0; j < c->in_len; j++) {
                if (c->in[j] != '\n') continue;
                int end = j > start && c->in[j - 1] == '\r' ? j - 1 : j;
                on_line(fd, c->in + start, end - start);
                start = j + 1;
            }
            memmove(c->in, c->in + start, c->in_len - start);
            c->in_len -= start;
            if (c->in_len == (int)sizeof c->in) c->in_len = 0; /* a line too long: dropped */
        }
    }
}
