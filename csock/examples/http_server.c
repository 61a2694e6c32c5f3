#define _GNU_SOURCE /* accept4 on glibc */
/* A dual-stack HTTP/1.1 server written against plain POSIX: getaddrinfo(NULL, port,
 * AI_PASSIVE), one listening socket per address it can bind, select() over the listeners,
 * the clients and stdin, non-blocking accept4. Builds unchanged for Linux and, with the
 * fdvirt socket layer, for wasm32-wasi.
 *
 * Usage: http_server PORT [MAX_REQUESTS]. Each response says the request number, the peer
 * address and port (getnameinfo) and the connection's fd. Like portable servers it refuses
 * a connection whose fd is >= FD_SETSIZE (FD_SET on it is undefined by POSIX), so under
 * fdvirt it needs the `lowest` or `capped:1024` fd policy. A line "quit" on stdin (read
 * through the same select) or MAX_REQUESTS answered ends it with status 0. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LISTEN 4
#define MAX_CLIENTS 64

struct client {
    int fd;
    size_t got;
    char buf[2048];
    char peer[NI_MAXHOST + NI_MAXSERV + 8];
};

static int listeners[MAX_LISTEN], nlisten;
static struct client clients[MAX_CLIENTS];
static long served, max_requests = -1;

static void describe(const struct sockaddr *sa, socklen_t len, char *out, size_t n) {
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    int e = getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    if (e) snprintf(out, n, "? (%s)", gai_strerror(e));
    else snprintf(out, n, "%s port %s", host, serv);
}

static void open_listeners(const char *port) {
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_PASSIVE;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo(NULL, port, &hints, &res);
    if (e) {
        fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(e));
        exit(1);
    }
    for (ai = res; ai && nlisten < MAX_LISTEN; ai = ai->ai_next) {
        char name[128];
        describe(ai->ai_addr, ai->ai_addrlen, name, sizeof name);
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            printf("skip %s: socket: %s\n", name, strerror(errno));
            continue;
        }
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0 ||
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
            printf("skip %s: %s\n", name, strerror(errno));
            close(fd);
            continue;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        describe((struct sockaddr *)&ss, sl, name, sizeof name);
        printf("listening on %s fd %d\n", name, fd);
        listeners[nlisten++] = fd;
    }
    freeaddrinfo(res);
    if (!nlisten) exit(1);
    fflush(stdout);
}

static void accept_all(int lfd) {
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) printf("accept: %s\n", strerror(errno));
            return;
        }
        int slot = -1;
        for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
            if (clients[i].fd < 0) slot = i;
        if (fd >= FD_SETSIZE || slot < 0) {
            printf("refused fd %d (%s)\n", fd, fd >= FD_SETSIZE ? ">= FD_SETSIZE" : "full");
            close(fd);
            continue;
        }
        clients[slot].fd = fd;
        clients[slot].got = 0;
        describe((struct sockaddr *)&ss, sl, clients[slot].peer, sizeof clients[slot].peer);
    }
}

static void finish(struct client *c) {
    close(c->fd);
    c->fd = -1;
}

static void serve(struct client *c) {
    ssize_t n = recv(c->fd, c->buf + c->got, sizeof c->buf - 1 - c->got, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) return finish(c);
    c->got += (size_t)n;
    c->buf[c->got] = 0;
    if (!strstr(c->buf, "\r\n\r\n")) {
        if (c->got == sizeof c->buf - 1) finish(c);
        return;
    }
    char body[512], resp[768];
    int bl = snprintf(body, sizeof body, "hello from csock\nrequest %ld\npeer %s\nfd %d\n",
                      ++served, c->peer, c->fd);
    int rl = snprintf(resp, sizeof resp,
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                      "Connection: close\r\n\r\n%s", bl, body);
    for (int off = 0; off < rl;) {
        ssize_t w = send(c->fd, resp + off, (size_t)(rl - off), MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN) {
            fd_set wf;
            FD_ZERO(&wf);
            FD_SET(c->fd, &wf);
            select(c->fd + 1, NULL, &wf, NULL, NULL);
            continue;
        }
        if (w <= 0) break;
        off += (int)w;
    }
    printf("served request %ld to %s\n", served, c->peer);
    fflush(stdout);
    finish(c);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [MAX_REQUESTS]\n", argv[0]);
        return 2;
    }
    if (argc > 2) max_requests = atol(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* each log line reaches a supervisor at once */
    for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
    open_listeners(argv[1]);
    int stdin_open = 1;
    while (max_requests < 0 || served < max_requests) {
        fd_set rf;
        FD_ZERO(&rf);
        int maxfd = -1;
#define WATCH(fd) do { FD_SET(fd, &rf); if ((fd) > maxfd) maxfd = (fd); } while (0)
        if (stdin_open) WATCH(0);
        for (int i = 0; i < nlisten; i++) WATCH(listeners[i]);
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (clients[i].fd >= 0) WATCH(clients[i].fd);
        struct timeval tv = {5, 0};
        int n = select(maxfd + 1, &rf, NULL, NULL, &tv);
        if (n < 0) {
            printf("select: %s\n", strerror(errno));
            return 1;
        }
        if (stdin_open && FD_ISSET(0, &rf)) {
            char line[64];
            ssize_t r = read(0, line, sizeof line - 1);
            if (r <= 0) stdin_open = 0;
            else if (r >= 4 && memcmp(line, "quit", 4) == 0) break;
        }
        for (int i = 0; i < nlisten; i++)
            if (FD_ISSET(listeners[i], &rf)) accept_all(listeners[i]);
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (clients[i].fd >= 0 && FD_ISSET(clients[i].fd, &rf)) serve(&clients[i]);
    }
    printf("done: %ld requests\n", served);
    return 0;
}
