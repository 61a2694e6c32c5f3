/* socketpair, emulated over loopback: the WasmEdge ABI cannot create a connected pair (nor
 * an unnamed AF_UNIX socket), so the pair is two loopback sockets connected to each other,
 * as Windows libraries do it. SOCK_STREAM: a listener on 127.0.0.1 (or ::1) port 0, a
 * connect, an accept, the listener closed; SOCK_DGRAM: two UDP sockets bound to loopback and
 * connected to each other. Any domain is accepted (AF_UNIX being the usual one); the ends
 * report loopback addresses, not AF_UNIX ones. Needs the runtime to allow binding and
 * connecting on loopback (always so on WasmEdge; under an fdvirt network policy, grant it).
 * SOCK_NONBLOCK applies to both ends. Self-pipe and wake-up uses, the common ones, work. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "csock.h"

/* Binds fd to loopback of `family` with port 0; returns the bound address. */
static int bind_loopback(int fd, int family, csock_sockaddr *a, socklen_t *len) {
    memset(a, 0, sizeof *a);
    if (family == AF_INET) {
        a->in.sin_family = AF_INET;
        a->in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof a->in;
    } else {
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_addr = in6addr_loopback;
        *len = sizeof a->in6;
    }
    if (bind(fd, &a->sa, *len)) return -1;
    socklen_t l = sizeof *a;
    return getsockname(fd, &a->sa, &l);
}

static int stream_pair(int family, int sv[2]) {
    int l = socket(family, SOCK_STREAM, 0), c = -1, s = -1;
    csock_sockaddr a;
    socklen_t len;
    if (l < 0 || bind_loopback(l, family, &a, &len) || listen(l, 1)) goto fail;
    c = socket(family, SOCK_STREAM, 0);
    if (c < 0 || connect(c, &a.sa, len)) goto fail;
    s = accept(l, NULL, NULL);
    if (s < 0) goto fail;
    close(l);
    sv[0] = c, sv[1] = s;
    return 0;
fail: {
        int e = errno;
        if (s >= 0) close(s);
        if (c >= 0) close(c);
        if (l >= 0) close(l);
        errno = e;
        return -1;
    }
}

static int dgram_pair(int family, int sv[2]) {
    int x = socket(family, SOCK_DGRAM, 0), y = socket(family, SOCK_DGRAM, 0);
    csock_sockaddr ax, ay;
    socklen_t lx, ly;
    if (x < 0 || y < 0 || bind_loopback(x, family, &ax, &lx) || bind_loopback(y, family, &ay, &ly) ||
        connect(x, &ay.sa, ly) || connect(y, &ax.sa, lx)) {
        int e = errno;
        if (x >= 0) close(x);
        if (y >= 0) close(y);
        errno = e;
        return -1;
    }
    sv[0] = x, sv[1] = y;
    return 0;
}

int socketpair(int domain, int type, int protocol, int sv[2]) {
    if (!__csock_span_ok(sv, 2 * sizeof(int))) return __csock_fail(EFAULT);
    if (domain != AF_UNIX && domain != AF_INET && domain != AF_INET6)
        return __csock_fail(EAFNOSUPPORT);
    if (protocol != 0) return __csock_fail(EPROTONOSUPPORT);
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (base != SOCK_STREAM && base != SOCK_DGRAM) return __csock_fail(EOPNOTSUPP);
    int family = domain == AF_INET6 ? AF_INET6 : AF_INET;
    int r = base == SOCK_STREAM ? stream_pair(family, sv) : dgram_pair(family, sv);
    if (r && domain == AF_UNIX) /* no IPv4 loopback: try IPv6 */
        r = base == SOCK_STREAM ? stream_pair(AF_INET6, sv) : dgram_pair(AF_INET6, sv);
    if (r) return -1;
    if (type & SOCK_NONBLOCK) {
        for (int i = 0; i < 2; i++) {
            __wasi_errno_t e = __wasi_fd_fdstat_set_flags(sv[i], __WASI_FDFLAGS_NONBLOCK);
            if (e) {
                close(sv[0]);
                close(sv[1]);
                return __csock_fail_wasi(e);
            }
        }
    }
    return 0;
}
