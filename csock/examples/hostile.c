/* Edge and hostile cases of the socket layer, checked from inside the guest: bad sockaddr
 * lengths, unknown families, NULL and out-of-memory pointers get the POSIX errno (never a
 * trap); the errno of each failure a C programmer expects (EADDRINUSE, ECONNREFUSED, EAGAIN,
 * EINPROGRESS); socket options; getaddrinfo/getnameinfo/inet_* corner cases; select() and
 * poll() over a socket together with stdio and a file; MSG_DONTWAIT/MSG_PEEK; ioctl.
 *
 * Usage: hostile [DIR] - DIR (a preopened directory) adds a regular file to the poll/select
 * checks and, when the runtime allows AF_UNIX, an AF_UNIX stream socket at DIR/csock.sock.
 * Prints "ok NAME" or "FAIL NAME: ..." per check and exits with the number of failures. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name, const char *detail) {
    if (ok) printf("ok %s\n", name);
    else printf("FAIL %s: %s\n", name, detail), failures++;
}

/* `call` must return -1 with errno `want`. */
#define EXPECT_ERRNO(call, want)                                                      \
    do {                                                                              \
        errno = 0;                                                                    \
        long r_ = (long)(call);                                                       \
        int e_ = errno;                                                               \
        char d_[160];                                                                 \
        snprintf(d_, sizeof d_, "returned %ld errno %d (%s), want errno %d (%s)", r_, \
                 e_, strerror(e_), want, strerror(want));                             \
        check(r_ == -1 && e_ == (want), #call, d_);                                   \
    } while (0)

#define EXPECT(cond) check((cond), #cond, strerror(errno))

static struct sockaddr_in loop4(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int port_of(int fd) {
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &l) < 0) return -1;
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void bad_arguments(void) {
    EXPECT_ERRNO(socket(99, SOCK_STREAM, 0), EAFNOSUPPORT);
    EXPECT_ERRNO(socket(AF_INET, 77, 0), EINVAL);
    EXPECT_ERRNO(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT(s >= 0);
    struct sockaddr_in a = loop4(0);
    EXPECT_ERRNO(bind(s, NULL, sizeof a), EFAULT);
    EXPECT_ERRNO(bind(s, (struct sockaddr *)&a, 8), EINVAL);
    EXPECT_ERRNO(bind(s, (struct sockaddr *)&a, 1), EINVAL);
    EXPECT_ERRNO(bind(s, (struct sockaddr *)0xfffffff0u, sizeof a), EFAULT);
    struct sockaddr_in odd = a;
    odd.sin_family = 99;
    EXPECT_ERRNO(bind(s, (struct sockaddr *)&odd, sizeof odd), EAFNOSUPPORT);
    EXPECT_ERRNO(connect(s, (struct sockaddr *)&odd, sizeof odd), EAFNOSUPPORT);
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    EXPECT_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&six, 20), EINVAL);
    socklen_t len = sizeof a;
    EXPECT_ERRNO(getsockname(s, (struct sockaddr *)&a, NULL), EFAULT);
    EXPECT_ERRNO(getsockname(s, (struct sockaddr *)0xffffff00u, &len), EFAULT);
    EXPECT_ERRNO(accept4(s, NULL, NULL, 0x1), EINVAL);
    EXPECT_ERRNO(setsockopt(s, 12345, 1, &len, sizeof len), ENOPROTOOPT);
    int one = 1;
    EXPECT_ERRNO(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 1), EINVAL);
    EXPECT_ERRNO(setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), ENOPROTOOPT);
    EXPECT_ERRNO(getsockopt(s, SOL_SOCKET, SO_TYPE, &one, NULL), EFAULT);
    EXPECT_ERRNO(recv(s, &one, sizeof one, 0x1000 /* unsupported flag */), EOPNOTSUPP);
    EXPECT_ERRNO(bind(1, (struct sockaddr *)&a, sizeof a), ENOTSOCK);
    close(s);
    EXPECT_ERRNO(listen(12345, 1), EBADF);
}

static void errnos_and_options(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop4(0);
    EXPECT(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 8) == 0);
    int port = port_of(l);
    a = loop4(port);
    int dup = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_ERRNO(bind(dup, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
    close(dup);

    EXPECT(fcntl(l, F_SETFL, O_NONBLOCK) == 0 && (fcntl(l, F_GETFL) & O_NONBLOCK));
    EXPECT_ERRNO(accept(l, NULL, NULL), EAGAIN);

    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    check(r == 0 || errno == EINPROGRESS, "non-blocking connect gives 0 or EINPROGRESS",
          strerror(errno));
    struct pollfd pw = {c, POLLOUT, 0};
    EXPECT(poll(&pw, 1, 5000) == 1 && (pw.revents & POLLOUT));
    int err = -1;
    socklen_t el = sizeof err;
    EXPECT(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0 && el == sizeof err);
    struct pollfd pl = {l, POLLIN, 0};
    EXPECT(poll(&pl, 1, 5000) == 1);
    struct sockaddr_storage peer;
    socklen_t pl_len = sizeof peer;
    int s = accept4(l, (struct sockaddr *)&peer, &pl_len, SOCK_NONBLOCK);
    EXPECT(s >= 0 && pl_len == sizeof(struct sockaddr_in));
    EXPECT(((struct sockaddr_in *)&peer)->sin_port == htons((uint16_t)port_of(c)));
    struct sockaddr_in tiny;
    socklen_t tl = 4; /* POSIX truncation: 4 bytes written, full length reported */
    memset(&tiny, 0xee, sizeof tiny);
    EXPECT(getpeername(s, (struct sockaddr *)&tiny, &tl) == 0 && tl == 16 &&
           ((unsigned char *)&tiny)[4] == 0xee);

    int v = 0;
    socklen_t vl = sizeof v;
    EXPECT(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM);
    EXPECT(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &vl) == 0 && v == AF_INET);
    int on = 1;
    EXPECT(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0);
    EXPECT(getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) == 0 && v == 1);
    EXPECT(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0);
    struct timeval tv = {1, 500000}, got = {0, 0};
    socklen_t gl = sizeof got;
    EXPECT(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    EXPECT(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &gl) == 0 && got.tv_sec == 1 &&
           got.tv_usec == 500000);
    int buf = 65536;
    EXPECT(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf) == 0);
    EXPECT(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &vl) == 0 && v >= buf);

    /* MSG_DONTWAIT on a blocking socket, then MSG_PEEK, FIONREAD, half-close. */
    int fl = fcntl(c, F_GETFL);
    EXPECT(fcntl(c, F_SETFL, fl & ~O_NONBLOCK) == 0);
    char b[16];
    EXPECT_ERRNO(recv(c, b, sizeof b, MSG_DONTWAIT), EAGAIN);
    EXPECT(!(fcntl(c, F_GETFL) & O_NONBLOCK));
    EXPECT(send(s, "hello", 5, MSG_NOSIGNAL) == 5);
    struct pollfd pr = {c, POLLIN, 0};
    EXPECT(poll(&pr, 1, 5000) == 1);
    int avail = -1;
    EXPECT(ioctl(c, FIONREAD, &avail) == 0 && avail == 5);
    EXPECT(recv(c, b, 2, MSG_PEEK) == 2 && memcmp(b, "he", 2) == 0);
    EXPECT(recv(c, b, sizeof b, 0) == 5 && memcmp(b, "hello", 5) == 0);
    EXPECT(shutdown(s, SHUT_WR) == 0);
    EXPECT(poll(&pr, 1, 5000) == 1 && recv(c, b, sizeof b, 0) == 0);
    int nb = 1;
    EXPECT(ioctl(c, FIONBIO, &nb) == 0 && (fcntl(c, F_GETFL) & O_NONBLOCK));
    close(s);
    close(c);

    /* ECONNREFUSED: the listener's port once it is closed. */
    close(l);
    c = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_ERRNO(connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
    close(c);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    EXPECT(getsockopt(u, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_DGRAM);
    EXPECT(getsockopt(u, SOL_SOCKET, SO_PROTOCOL, &v, &vl) == 0 && v == IPPROTO_UDP);
    EXPECT_ERRNO(recv(u, b, sizeof b, MSG_DONTWAIT), EAGAIN);
    close(u);

    int six = socket(AF_INET6, SOCK_STREAM, 0);
    if (six >= 0) {
        /* a specific IPv6 address: ::1, port chosen by the kernel, reported back */
        struct sockaddr_in6 lo6, got6;
        memset(&lo6, 0, sizeof lo6);
        lo6.sin6_family = AF_INET6;
        lo6.sin6_addr = in6addr_loopback;
        socklen_t g6 = sizeof got6;
        EXPECT(bind(six, (struct sockaddr *)&lo6, sizeof lo6) == 0 &&
               getsockname(six, (struct sockaddr *)&got6, &g6) == 0 && g6 == sizeof got6 &&
               got6.sin6_family == AF_INET6 &&
               memcmp(&got6.sin6_addr, &in6addr_loopback, 16) == 0 && got6.sin6_port != 0);
        int off = 0;
        EXPECT(getsockopt(six, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v == 0);
        EXPECT(setsockopt(six, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == 0);
        EXPECT_ERRNO(setsockopt(six, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on), ENOPROTOOPT);
        close(six);
    }
}

static void names(void) {
    struct addrinfo h, *res = NULL;
    memset(&h, 0, sizeof h);
    EXPECT(getaddrinfo(NULL, NULL, NULL, &res) == EAI_NONAME);
    EXPECT(getaddrinfo("1.2.3.4", "99999", NULL, &res) == EAI_SERVICE);
    EXPECT(getaddrinfo("1.2.3.4", "nosuchservice", NULL, &res) == EAI_SERVICE);
    h.ai_family = 99;
    EXPECT(getaddrinfo("1.2.3.4", "80", &h, &res) == EAI_FAMILY);
    h.ai_family = AF_UNSPEC;
    h.ai_flags = 0x8000;
    EXPECT(getaddrinfo("1.2.3.4", "80", &h, &res) == EAI_BADFLAGS);
    h.ai_flags = AI_NUMERICHOST;
    EXPECT(getaddrinfo("localhost", "80", &h, &res) == EAI_NONAME);
    h.ai_socktype = 77;
    EXPECT(getaddrinfo("1.2.3.4", "80", &h, &res) == EAI_SOCKTYPE);
    h.ai_socktype = 0;
    EXPECT(getaddrinfo("fe80::1%7", "http", &h, &res) == 0 && res && res->ai_family == AF_INET6 &&
           res->ai_socktype == SOCK_STREAM && res->ai_next && res->ai_next->ai_socktype == SOCK_DGRAM &&
           !res->ai_next->ai_next && res->ai_addrlen == sizeof(struct sockaddr_in6) &&
           ((struct sockaddr_in6 *)res->ai_addr)->sin6_scope_id == 7 &&
           ((struct sockaddr_in6 *)res->ai_addr)->sin6_port == htons(80));
    freeaddrinfo(res);
    h.ai_family = AF_INET6;
    h.ai_flags = AI_V4MAPPED;
    h.ai_socktype = SOCK_DGRAM;
    char text[64];
    EXPECT(getaddrinfo("192.0.2.1", "53", &h, &res) == 0 &&
           inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, text,
                     sizeof text) && strcmp(text, "::ffff:192.0.2.1") == 0 &&
           res->ai_protocol == IPPROTO_UDP);
    freeaddrinfo(res);
    h.ai_flags = 0;
    EXPECT(getaddrinfo("192.0.2.1", "53", &h, &res) == EAI_ADDRFAMILY);
    h.ai_family = AF_UNSPEC;
    h.ai_flags = AI_PASSIVE;
    h.ai_socktype = SOCK_STREAM;
    EXPECT(getaddrinfo(NULL, "8080", &h, &res) == 0 && res->ai_family == AF_INET6 &&
           res->ai_next && res->ai_next->ai_family == AF_INET &&
           ((struct sockaddr_in *)res->ai_next->ai_addr)->sin_port == htons(8080));
    freeaddrinfo(res);
    freeaddrinfo(NULL);
    h.ai_flags = AI_CANONNAME;
    EXPECT(getaddrinfo(NULL, "80", &h, &res) == EAI_BADFLAGS);
    EXPECT(getaddrinfo("localhost", "80", NULL, NULL) == EAI_SYSTEM && errno == EFAULT);
    EXPECT(strcmp(gai_strerror(EAI_NONAME), "Name does not resolve") == 0);

    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    s6.sin6_port = htons(443);
    s6.sin6_scope_id = 3;
    inet_pton(AF_INET6, "fe80::1", &s6.sin6_addr);
    char host[NI_MAXHOST], serv[NI_MAXSERV], small[4];
    EXPECT(getnameinfo((struct sockaddr *)&s6, sizeof s6, host, sizeof host, serv, sizeof serv,
                       NI_NUMERICHOST) == 0 && strcmp(host, "fe80::1%3") == 0 &&
           strcmp(serv, "https") == 0);
    EXPECT(getnameinfo((struct sockaddr *)&s6, sizeof s6, NULL, 0, serv, sizeof serv,
                       NI_NUMERICSERV) == 0 && strcmp(serv, "443") == 0);
    EXPECT(getnameinfo((struct sockaddr *)&s6, sizeof s6, small, sizeof small, NULL, 0, 0) ==
           EAI_OVERFLOW);
    EXPECT(getnameinfo((struct sockaddr *)&s6, sizeof s6, host, sizeof host, NULL, 0,
                       NI_NAMEREQD) == EAI_NONAME);
    EXPECT(getnameinfo((struct sockaddr *)&s6, 10, host, sizeof host, NULL, 0, 0) == EAI_FAMILY);

    EXPECT(inet_addr("127.0.0.1") == htonl(INADDR_LOOPBACK));
    EXPECT(inet_addr("not an address") == INADDR_NONE);
    struct in_addr ia = {htonl(0xc0000201)};
    EXPECT(strcmp(inet_ntoa(ia), "192.0.2.1") == 0);
    EXPECT(htons(0x1f90) == 0x901f && ntohl(htonl(0x01020304)) == 0x01020304);
    struct hostent *he = gethostbyname("127.0.0.1");
    EXPECT(he && he->h_addrtype == AF_INET && he->h_length == 4 &&
           memcmp(he->h_addr_list[0], "\x7f\0\0\x01", 4) == 0 && !he->h_addr_list[1]);
    struct servent *se = getservbyname("http", "tcp");
    EXPECT(se && se->s_port == htons(80));
}

/* select() and poll() over a connected socket, stdout and (with DIR) a regular file. */
static void multiplexing(const char *dir) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop4(0);
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 4);
    a = loop4(port_of(l));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
    int s = accept(l, NULL, NULL);
    EXPECT(s >= 0 && send(s, "x", 1, 0) == 1);
    int file = -1;
    if (dir) {
        char path[512];
        snprintf(path, sizeof path, "%s/csock-hostile.txt", dir);
        file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        EXPECT(file >= 0);
    }
    fd_set rf, wf;
    FD_ZERO(&rf);
    FD_ZERO(&wf);
    FD_SET(c, &rf);
    FD_SET(1, &wf);
    if (file >= 0) FD_SET(file, &rf);
    int maxfd = c > file ? c : file;
    struct timeval tv = {5, 0};
    int n = select(maxfd + 1, &rf, &wf, NULL, &tv);
    EXPECT(n == (file >= 0 ? 3 : 2) && FD_ISSET(c, &rf) && FD_ISSET(1, &wf) &&
           (file < 0 || FD_ISSET(file, &rf)));
    struct pollfd p[3] = {{c, POLLIN, 0}, {1, POLLOUT, 0}, {file, POLLIN, 0}};
    n = poll(p, file >= 0 ? 3 : 2, 5000);
    EXPECT(n == (file >= 0 ? 3 : 2) && (p[0].revents & POLLIN) && (p[1].revents & POLLOUT));
    /* an exception set is accepted (wasi-libc 2022 said ENOSYS) and comes back empty */
    fd_set ef;
    FD_ZERO(&rf);
    FD_ZERO(&ef);
    FD_SET(c, &rf);
    FD_SET(c, &ef);
    struct timeval tv2 = {5, 0};
    EXPECT(select(c + 1, &rf, NULL, &ef, &tv2) == 1 && FD_ISSET(c, &rf) && !FD_ISSET(c, &ef));
    int gone = socket(AF_INET, SOCK_STREAM, 0);
    close(gone);
    FD_ZERO(&rf);
    FD_SET(gone, &rf); /* closed: EBADF, as wasi-libc's select */
    struct timeval tv3 = {0, 0};
    EXPECT_ERRNO(select(gone + 1, &rf, NULL, NULL, &tv3), EBADF);
    /* nothing readable on the listener: select times out with 0 */
    FD_ZERO(&rf);
    FD_SET(l, &rf);
    struct timeval zero = {0, 10000};
    EXPECT(select(l + 1, &rf, NULL, NULL, &zero) == 0);
    if (file >= 0) close(file);
    close(s);
    close(c);
    close(l);
}

/* sendmsg/recvmsg on UDP: msg_name in and out, MSG_TRUNC on a short buffer, iovec gather. */
static void messages(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in la = loop4(0), lb = loop4(0);
    EXPECT(bind(a, (struct sockaddr *)&la, sizeof la) == 0 && bind(b, (struct sockaddr *)&lb, sizeof lb) == 0);
    la = loop4(port_of(a));
    lb = loop4(port_of(b));
    struct iovec out[2] = {{"hello ", 6}, {"world", 5}};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &lb;
    m.msg_namelen = sizeof lb;
    m.msg_iov = out;
    m.msg_iovlen = 2;
    EXPECT(sendmsg(a, &m, 0) == 11);
    char small[4];
    struct iovec in = {small, sizeof small};
    struct sockaddr_storage from;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &in;
    m.msg_iovlen = 1;
    struct pollfd p = {b, POLLIN, 0};
    EXPECT(poll(&p, 1, 5000) == 1);
    EXPECT(recvmsg(b, &m, 0) == 4 && memcmp(small, "hell", 4) == 0 && (m.msg_flags & MSG_TRUNC) &&
           m.msg_namelen == sizeof(struct sockaddr_in) &&
           ((struct sockaddr_in *)&from)->sin_port == la.sin_port &&
           ((struct sockaddr_in *)&from)->sin_addr.s_addr == la.sin_addr.s_addr);
    /* TCP_NODELAY is a TCP option: not on a datagram socket */
    int on = 1;
    EXPECT_ERRNO(setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), EOPNOTSUPP);
    close(a);
    close(b);
}

/* socketpair: emulated over loopback, both types, both directions. */
static void pairs(void) {
    int sv[2];
    char b[8];
    EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && send(sv[0], "ab", 2, 0) == 2 &&
           recv(sv[1], b, sizeof b, 0) == 2 && send(sv[1], "c", 1, 0) == 1 &&
           recv(sv[0], b, sizeof b, 0) == 1 && b[0] == 'c');
    close(sv[0]);
    close(sv[1]);
    EXPECT(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0 &&
           send(sv[1], "xyz", 3, 0) == 3);
    struct pollfd p = {sv[0], POLLIN, 0};
    EXPECT(poll(&p, 1, 5000) == 1 && recv(sv[0], b, sizeof b, 0) == 3 &&
           (fcntl(sv[0], F_GETFL) & O_NONBLOCK));
    EXPECT_ERRNO(recv(sv[0], b, sizeof b, 0), EAGAIN);
    close(sv[0]);
    close(sv[1]);
    EXPECT_ERRNO(socketpair(99, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    EXPECT_ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), EFAULT);
}

/* freeaddrinfo frees exactly what getaddrinfo allocated: thousands of lookups (numeric,
 * NULL host, and through the runtime's resolver) do not grow linear memory. */
static void no_leaks(void) {
    struct addrinfo h, *res;
    memset(&h, 0, sizeof h);
    h.ai_flags = AI_CANONNAME;
    size_t before = 0;
    int ok = 1;
    for (int i = 0; i < 3000 && ok; i++) {
        if (i == 200) before = __builtin_wasm_memory_size(0);
        ok = getaddrinfo("127.0.0.1", "80", &h, &res) == 0;
        if (ok) freeaddrinfo(res);
        h.ai_flags = AI_PASSIVE;
        ok = ok && getaddrinfo(NULL, "http", &h, &res) == 0;
        if (ok) freeaddrinfo(res);
        h.ai_flags = AI_CANONNAME;
        if (i % 10 == 0) { /* the host path allocates the node chain for the call */
            ok = ok && getaddrinfo("localhost", "80", &h, &res) == 0;
            if (ok) freeaddrinfo(res);
        }
    }
    EXPECT(ok && __builtin_wasm_memory_size(0) == before);
}

static void unix_sockets(const char *dir) {
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    if (u < 0) {
        check(errno == EAFNOSUPPORT, "AF_UNIX refused without --allow-af-unix is EAFNOSUPPORT",
              strerror(errno));
        return;
    }
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/csock.sock", dir);
    unlink(sun.sun_path);
    socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1);
    EXPECT(bind(u, (struct sockaddr *)&sun, sl) == 0 && listen(u, 4) == 0);
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    EXPECT(getsockname(u, (struct sockaddr *)&got, &gl) == 0 && got.sun_family == AF_UNIX &&
           strcmp(got.sun_path, sun.sun_path) == 0 && gl == sl);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT(connect(c, (struct sockaddr *)&sun, sl) == 0);
    int s = accept(u, NULL, NULL);
    char b[8];
    EXPECT(s >= 0 && send(c, "unix", 4, 0) == 4 && recv(s, b, sizeof b, 0) == 4);
    gl = sizeof got;
    EXPECT(getpeername(c, (struct sockaddr *)&got, &gl) == 0 && strcmp(got.sun_path, sun.sun_path) == 0);
    close(s);
    close(c);
    close(u);
    unlink(sun.sun_path);
    printf("unix sockets checked\n");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *dir = argc > 1 ? argv[1] : NULL;
    bad_arguments();
    errnos_and_options();
    names();
    multiplexing(dir);
    messages();
    pairs();
    no_leaks();
    if (dir) unix_sockets(dir);
    printf("%d failures\n", failures);
    return failures;
}
