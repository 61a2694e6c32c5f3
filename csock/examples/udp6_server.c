/* An IPv6 UDP echo server in plain POSIX: binds :: (dual-stack, IPV6_V6ONLY off) from
 * getaddrinfo(NULL, port, AI_PASSIVE, AF_INET6), waits with poll(), and for each datagram
 * prints the sender exactly as recvfrom reported it (address, port, flowinfo, scope id) and
 * echoes it back with sendto to that address.
 *
 * Usage: udp6_server PORT COUNT - exits 0 after COUNT datagrams, 1 after 20 s of silence. */
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT COUNT\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_PASSIVE;
    hints.ai_family = AF_INET6;
    hints.ai_socktype = SOCK_DGRAM;
    int e = getaddrinfo(NULL, argv[1], &hints, &res);
    if (e) {
        printf("getaddrinfo: %s\n", gai_strerror(e));
        return 1;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    int zero = 0;
    if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        printf("socket/bind: %s\n", strerror(errno));
        return 1;
    }
    freeaddrinfo(res);
    struct sockaddr_in6 me;
    socklen_t ml = sizeof me;
    char host[NI_MAXHOST];
    getsockname(fd, (struct sockaddr *)&me, &ml);
    inet_ntop(AF_INET6, &me.sin6_addr, host, sizeof host);
    printf("udp listening on %s port %u\n", host, ntohs(me.sin6_port));
    for (long n = atol(argv[2]); n > 0; n--) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 20000) != 1) {
            printf("timeout\n");
            return 1;
        }
        char buf[512];
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t got = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);
        if (got < 0) {
            printf("recvfrom: %s\n", strerror(errno));
            return 1;
        }
        buf[got] = 0;
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&from;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
        printf("from %s port %u flowinfo %u scope %u len %u family %d bytes %zd: %s\n", host,
               ntohs(s6->sin6_port), s6->sin6_flowinfo, s6->sin6_scope_id, (unsigned)fl,
               s6->sin6_family, got, buf);
        char reply[600];
        int rl = snprintf(reply, sizeof reply, "echo:%s", buf);
        if (sendto(fd, reply, (size_t)rl, 0, (struct sockaddr *)&from, fl) != rl) {
            printf("sendto: %s\n", strerror(errno));
            return 1;
        }
    }
    close(fd);
    printf("done\n");
    return 0;
}
