/* socket, bind, connect, listen, accept, accept4, getsockname, getpeername over the
 * WasmEdge `_v2` imports and the standard preview1 `sock_accept` (3 arguments, which
 * WasmEdge >= 0.12 binds to `sock_accept_v2`). accept/accept4 replace wasi-libc's, which
 * never report the peer address. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "csock.h"

int socket(int domain, int type, int protocol) {
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    int32_t af, ty, fd;
    switch (domain) {
    case AF_INET: af = CSOCK_WE_INET4; break;
    case AF_INET6: af = CSOCK_WE_INET6; break;
    case AF_UNIX: af = CSOCK_WE_UNIX; break;
    default: return __csock_fail(EAFNOSUPPORT);
    }
    switch (base) {
    case SOCK_STREAM:
        ty = CSOCK_WE_STREAM;
        if (protocol != 0 && !(domain != AF_UNIX && protocol == IPPROTO_TCP))
            return __csock_fail(EPROTONOSUPPORT);
        break;
    case SOCK_DGRAM:
        ty = CSOCK_WE_DGRAM;
        if (protocol != 0 && !(domain != AF_UNIX && protocol == IPPROTO_UDP))
            return __csock_fail(EPROTONOSUPPORT);
        break;
    default:
        return __csock_fail(EINVAL);
    }
    int32_t r = __csock_sock_open(af, ty, &fd);
    if (r != 0) {
        /* ENOSYS: the runtime was not started with AF_UNIX allowed (--allow-af-unix). */
        if (r == __WASI_ERRNO_NOSYS && domain == AF_UNIX) return __csock_fail(EAFNOSUPPORT);
        return __csock_fail_wasi(r);
    }
    if ((type & SOCK_NONBLOCK) && (r = __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK))) {
        (void)__wasi_fd_close(fd);
        return __csock_fail_wasi(r);
    }
    return fd;
}

/* bind and connect: the same argument translation, one import each. */
static int with_address(int fd, const struct sockaddr *sa, socklen_t len,
                        int32_t (*call)(int32_t, const csock_address *, int32_t)) {
    csock_storage st;
    uint32_t port = 0;
    int e = __csock_to_storage(sa, len, &st, &port);
    if (e) return __csock_fail(e);
    csock_address a = {st.b, sizeof st.b};
    int32_t r = call(fd, &a, (int32_t)port);
    return r ? __csock_fail_wasi(r) : 0;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
    return with_address(fd, sa, len, __csock_sock_bind);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
    return with_address(fd, sa, len, __csock_sock_connect);
}

int listen(int fd, int backlog) {
    int32_t r = __csock_sock_listen(fd, backlog < 0 ? 0 : backlog);
    return r ? __csock_fail_wasi(r) : 0;
}

/* Asks the runtime for a local or peer address and translates it. Returns 0 or -1/errno. */
static int query(int fd, int32_t (*call)(int32_t, csock_address *, uint32_t *),
                 csock_sockaddr *full, socklen_t *n) {
    csock_storage st;
    memset(&st, 0, sizeof st);
    csock_address a = {st.b, sizeof st.b};
    uint32_t port = 0;
    int32_t r = call(fd, &a, &port);
    if (r) return __csock_fail_wasi(r);
    *n = __csock_from_storage(&st, port, full);
    return 0;
}

static int name_of(int fd, struct sockaddr *addr, socklen_t *len,
                   int32_t (*call)(int32_t, csock_address *, uint32_t *)) {
    if (!__csock_span_ok(len, sizeof *len)) return __csock_fail(EFAULT);
    csock_sockaddr full;
    socklen_t n;
    if (query(fd, call, &full, &n)) return -1;
    int e = __csock_copy_out(&full, n, addr, len);
    return e ? __csock_fail(e) : 0;
}

int getsockname(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len) {
    return name_of(fd, addr, len, __csock_sock_getlocaladdr);
}

int getpeername(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len) {
    return name_of(fd, addr, len, __csock_sock_getpeeraddr);
}

int accept4(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len, int flags) {
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return __csock_fail(EINVAL);
    if (addr && !__csock_span_ok(len, sizeof *len)) return __csock_fail(EFAULT);
    if (addr && *len && !__csock_span_ok(addr, *len)) return __csock_fail(EFAULT);
    __wasi_fdflags_t fdflags = (flags & SOCK_NONBLOCK) ? __WASI_FDFLAGS_NONBLOCK : 0;
    __wasi_fd_t nfd;
    __wasi_errno_t r = __wasi_sock_accept(fd, fdflags, &nfd);
    if (r) return __csock_fail_wasi(r);
    if (addr) {
        csock_sockaddr full;
        socklen_t n;
        if (query((int)nfd, __csock_sock_getpeeraddr, &full, &n) != 0) {
            /* The peer may already be gone (ENOTCONN): report the connection's family with
             * a zero address and port rather than failing an accept that succeeded. */
            if (query((int)nfd, __csock_sock_getlocaladdr, &full, &n) != 0) {
                full.sa.sa_family = AF_UNSPEC;
                n = sizeof(sa_family_t);
            }
            memset((uint8_t *)&full + 2, 0, sizeof full - 2);
        }
        (void)__csock_copy_out(&full, n, addr, len); /* spans checked above */
    }
    return (int)nfd;
}

int accept(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len) {
    return accept4(fd, addr, len, 0);
}
