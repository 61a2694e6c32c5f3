/* recv, send, recvfrom, sendto, recvmsg, sendmsg. recv/send replace wasi-libc's to accept
 * MSG_DONTWAIT (emulated by turning O_NONBLOCK on for the one call), MSG_NOSIGNAL (every
 * runtime here already sends with MSG_NOSIGNAL) and MSG_MORE/MSG_EOR (no effect).
 * MSG_PEEK and MSG_WAITALL are the WASI riflags bits themselves in wasi-libc. */
#include <errno.h>
#include <string.h>

#include "csock.h"

#define RECV_FLAGS (MSG_PEEK | MSG_WAITALL | MSG_DONTWAIT | MSG_TRUNC | MSG_NOSIGNAL)
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR)
#define IOV_MAX_WASI 1024

int __csock_nb_begin(int fd, int flags, int *restore) {
    *restore = 0;
    if (!(flags & MSG_DONTWAIT)) return 0;
    __wasi_fdstat_t st;
    __wasi_errno_t r = __wasi_fd_fdstat_get(fd, &st);
    if (r) return __csock_fail_wasi(r);
    if (st.fs_flags & __WASI_FDFLAGS_NONBLOCK) return 0;
    r = __wasi_fd_fdstat_set_flags(fd, st.fs_flags | __WASI_FDFLAGS_NONBLOCK);
    if (r) return __csock_fail_wasi(r);
    *restore = 0x10000 | st.fs_flags;
    return 0;
}

void __csock_nb_end(int fd, int restore) {
    if (restore) (void)__wasi_fd_fdstat_set_flags(fd, (__wasi_fdflags_t)(restore & 0xffff));
}

/* One receive; addr/alen may be NULL. *oflags gets MSG_TRUNC when a datagram was cut. */
static ssize_t do_recv(int fd, const __wasi_iovec_t *iov, size_t n, int flags,
                       struct sockaddr *addr, socklen_t *alen, int *oflags) {
    if (flags & ~RECV_FLAGS) return __csock_fail(EOPNOTSUPP);
    if (n > IOV_MAX_WASI) return __csock_fail(EMSGSIZE);
    if (addr && !__csock_span_ok(alen, sizeof *alen)) return __csock_fail(EFAULT);
    if (addr && *alen && !__csock_span_ok(addr, *alen)) return __csock_fail(EFAULT);
    int restore;
    if (__csock_nb_begin(fd, flags, &restore)) return -1;
    __wasi_riflags_t ri = (__wasi_riflags_t)(flags & (MSG_PEEK | MSG_WAITALL));
    uint32_t got = 0;
    uint16_t ro = 0;
    int32_t r;
    if (addr) {
        csock_storage st;
        memset(&st, 0, sizeof st);
        csock_address a = {st.b, sizeof st.b};
        uint16_t port = 0;
        r = __csock_sock_recv_from(fd, iov, (int32_t)n, &a, ri, &port, &got, &ro);
        if (r == 0) {
            csock_sockaddr full;
            socklen_t len = __csock_from_storage(&st, __csock_recv_from_port(port), &full);
            if (full.sa.sa_family == AF_UNSPEC)
                *alen = 0; /* no sender address (a connected stream), as Linux */
            else
                (void)__csock_copy_out(&full, len, addr, alen);
        }
    } else {
        size_t got_sz = 0;
        r = __wasi_sock_recv(fd, iov, n, ri, &got_sz, &ro);
        got = (uint32_t)got_sz;
    }
    __csock_nb_end(fd, restore);
    if (r) return __csock_fail_wasi(r);
    if (oflags) *oflags = (ro & __WASI_ROFLAGS_RECV_DATA_TRUNCATED) ? MSG_TRUNC : 0;
    return (ssize_t)got;
}

/* One send; dest NULL means the connected peer. */
static ssize_t do_send(int fd, const __wasi_ciovec_t *iov, size_t n, int flags,
                       const struct sockaddr *dest, socklen_t dlen) {
    if (flags & ~SEND_FLAGS) return __csock_fail(EOPNOTSUPP);
    if (n > IOV_MAX_WASI) return __csock_fail(EMSGSIZE);
    csock_storage st;
    uint32_t port = 0;
    if (dest) {
        int e = __csock_to_storage(dest, dlen, &st, &port);
        if (e) return __csock_fail(e);
    }
    int restore;
    if (__csock_nb_begin(fd, flags, &restore)) return -1;
    uint32_t sent = 0;
    int32_t r;
    if (dest) {
        csock_address a = {st.b, sizeof st.b};
        r = __csock_sock_send_to(fd, iov, (int32_t)n, &a, (int32_t)port, 0, &sent);
    } else {
        size_t sent_sz = 0;
        r = __wasi_sock_send(fd, iov, n, 0, &sent_sz);
        sent = (uint32_t)sent_sz;
    }
    __csock_nb_end(fd, restore);
    return r ? __csock_fail_wasi(r) : (ssize_t)sent;
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
    __wasi_iovec_t iov = {buf, len};
    return do_recv(fd, &iov, 1, flags, NULL, NULL, NULL);
}

ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict addr, socklen_t *__restrict alen) {
    __wasi_iovec_t iov = {buf, len};
    return do_recv(fd, &iov, 1, flags, addr, alen, NULL);
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
    __wasi_ciovec_t iov = {buf, len};
    return do_send(fd, &iov, 1, flags, NULL, 0);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dest,
               socklen_t dlen) {
    __wasi_ciovec_t iov = {buf, len};
    return do_send(fd, &iov, 1, flags, dest, dlen);
}

/* struct iovec and __wasi_iovec_t have the same layout on wasm32 ({ptr, size_t}). */
_Static_assert(sizeof(struct iovec) == sizeof(__wasi_iovec_t), "iovec layout");

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    if (!__csock_span_ok(msg, sizeof *msg)) return __csock_fail(EFAULT);
    if (msg->msg_iovlen < 0) return __csock_fail(EMSGSIZE);
    struct sockaddr *name = msg->msg_namelen ? msg->msg_name : NULL;
    int oflags = 0;
    ssize_t n = do_recv(fd, (const __wasi_iovec_t *)msg->msg_iov, (size_t)msg->msg_iovlen, flags,
                        name, name ? &msg->msg_namelen : NULL, &oflags);
    if (n < 0) return n;
    if (!name) msg->msg_namelen = 0;
    msg->msg_controllen = 0; /* no ancillary data over this ABI */
    msg->msg_flags = oflags;
    return n;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    if (!__csock_span_ok(msg, sizeof *msg)) return __csock_fail(EFAULT);
    if (msg->msg_iovlen < 0) return __csock_fail(EMSGSIZE);
    if (msg->msg_controllen) return __csock_fail(EOPNOTSUPP);
    const struct sockaddr *name = msg->msg_namelen ? msg->msg_name : NULL;
    return do_send(fd, (const __wasi_ciovec_t *)msg->msg_iov, (size_t)msg->msg_iovlen, flags, name,
                   msg->msg_namelen);
}
