/* An HTTP client in plain POSIX: resolves HOST with getaddrinfo (host names go to the
 * runtime's resolver), then tries each address with a non-blocking connect, waits for it
 * with poll(), reads the result with getsockopt(SO_ERROR), and on success sends a GET and
 * prints the status line.
 *
 * Usage: client HOST PORT. Prints "resolved ...", then "connect ADDR: <error>" or
 * "connected ADDR (EINPROGRESS)" per address tried, then "status <line>". Exit 0 when a
 * response came, 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void name(const struct sockaddr *sa, socklen_t len, char *out, size_t n) {
    char h[NI_MAXHOST], s[NI_MAXSERV];
    if (getnameinfo(sa, len, h, sizeof h, s, sizeof s, NI_NUMERICHOST | NI_NUMERICSERV))
        snprintf(out, n, "?");
    else
        snprintf(out, n, "%s%s%s port %s", sa->sa_family == AF_INET6 ? "[" : "", h,
                 sa->sa_family == AF_INET6 ? "]" : "", s);
}

/* Non-blocking connect + poll + SO_ERROR. Returns the fd or -1. */
static int dial(const struct addrinfo *ai, const char *label) {
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        printf("connect %s: socket: %s\n", label, strerror(errno));
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    int pending = r < 0 && errno == EINPROGRESS;
    if (r < 0 && !pending) {
        printf("connect %s: %s\n", label, strerror(errno));
        close(fd);
        return -1;
    }
    if (pending) {
        struct pollfd p = {fd, POLLOUT, 0};
        if (poll(&p, 1, 5000) != 1) {
            printf("connect %s: timed out\n", label);
            close(fd);
            return -1;
        }
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) err = errno;
        if (err) {
            printf("connect %s: %s\n", label, strerror(err));
            close(fd);
            return -1;
        }
    }
    printf("connected %s (%s)\n", label, pending ? "EINPROGRESS" : "at once");
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo(argv[1], argv[2], &hints, &res);
    if (e) {
        printf("getaddrinfo %s: %s\n", argv[1], gai_strerror(e));
        return 1;
    }
    int fd = -1;
    char label[128];
    for (ai = res; ai; ai = ai->ai_next) {
        name(ai->ai_addr, ai->ai_addrlen, label, sizeof label);
        printf("resolved %s\n", label);
    }
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        name(ai->ai_addr, ai->ai_addrlen, label, sizeof label);
        fd = dial(ai, label);
    }
    freeaddrinfo(res);
    if (fd < 0) return 1;
    const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
        printf("send: %s\n", strerror(errno));
        return 1;
    }
    char buf[4096];
    size_t got = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) != 1) break;
        int avail = -1;
        ioctl(fd, FIONREAD, &avail); /* exercised; 0 at EOF */
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n < 0 && errno == EAGAIN) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    buf[got] = 0;
    close(fd);
    char *eol = strstr(buf, "\r\n");
    if (!eol) {
        printf("no response\n");
        return 1;
    }
    *eol = 0;
    printf("status %s\n", buf);
    return 0;
}
