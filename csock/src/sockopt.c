/* getsockopt / setsockopt. Replaces wasi-libc's getsockopt (SO_TYPE only).
 *
 * SOL_SOCKET options map to WasmEdge's level 0 and names 0-14 (ABI spec 2.2, 6.13); values
 * keep their C layouts, which are the ABI's (int, struct linger, 16-byte struct timeval).
 * SO_TYPE comes back as WasmEdge's 1/2 and is translated to SOCK_DGRAM/SOCK_STREAM, SO_ERROR
 * as a WASI errno, which is wasi-libc's errno value. The ABI has no other level:
 *   IPPROTO_TCP/TCP_NODELAY: on a stream socket, setting 1 succeeds without a host call (fdvirt turns Nagle off on
 *     every TCP socket unless run with --no-nodelay; WasmEdge gives no control); setting 0
 *     and reading it fail with ENOPROTOOPT.
 *   IPPROTO_IPV6/IPV6_V6ONLY: IPv6 sockets have the host default, dual-stack on Linux
 *     (net.ipv6.bindv6only = 0); reading gives 0, setting 0 succeeds, setting 1 fails with
 *     ENOPROTOOPT because neither runtime can make a socket IPv6-only.
 *   SO_DOMAIN / SO_PROTOCOL are answered from getlocaladdr_v2 / SO_TYPE. */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>

#include "csock.h"

/* WasmEdge sockopt name for a SOL_SOCKET option, -1 if none. */
static int32_t we_name(int name) {
    switch (name) {
    case SO_REUSEADDR: return 0;
    case SO_TYPE: return 1;
    case SO_ERROR: return 2;
    case SO_DONTROUTE: return 3;
    case SO_BROADCAST: return 4;
    case SO_SNDBUF: return 5;
    case SO_RCVBUF: return 6;
    case SO_KEEPALIVE: return 7;
    case SO_OOBINLINE: return 8;
    case SO_LINGER: return 9;
    case SO_RCVLOWAT: return 10;
    case SO_RCVTIMEO: return 11;
    case SO_SNDTIMEO: return 12;
    case SO_ACCEPTCONN: return 13;
    case SO_BINDTODEVICE: return 14;
    default: return -1;
    }
}

/* The payload size an option needs (0: variable, for BINDTODEVICE). */
static socklen_t payload(int name) {
    switch (name) {
    case SO_LINGER: return sizeof(struct linger);
    case SO_RCVTIMEO:
    case SO_SNDTIMEO: return sizeof(struct timeval);
    case SO_BINDTODEVICE: return 0;
    default: return sizeof(int);
    }
}

static int put_int(void *val, socklen_t *len, int v) {
    if (*len < sizeof(int)) return __csock_fail(EINVAL);
    memcpy(val, &v, sizeof v);
    *len = sizeof(int);
    return 0;
}

static int sol_socket_get(int fd, int name, void *val, socklen_t *len) {
    if (name == SO_DOMAIN) {
        csock_storage st;
        memset(&st, 0, sizeof st);
        csock_address a = {st.b, sizeof st.b};
        uint32_t port;
        int32_t r = __csock_sock_getlocaladdr(fd, &a, &port);
        if (r) return __csock_fail_wasi(r);
        return put_int(val, len, st.b[0]); /* WasmEdge 1/2/3 == AF_INET/AF_INET6/AF_UNIX */
    }
    int want_type = name == SO_PROTOCOL;
    int32_t we = want_type ? 1 : we_name(name);
    if (we < 0) return __csock_fail(ENOPROTOOPT);
    socklen_t need = want_type ? sizeof(int) : payload(name);
    if (*len < need) return __csock_fail(EINVAL);
    uint32_t n = *len;
    int32_t r = __csock_sock_getsockopt(fd, 0, we, val, &n);
    if (r) return __csock_fail_wasi(r);
    if (we == 1) {
        int t;
        memcpy(&t, val, sizeof t);
        if (want_type) t = t == CSOCK_WE_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
        else t = t == CSOCK_WE_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
        return put_int(val, len, t);
    }
    *len = n;
    return 0;
}

int getsockopt(int fd, int level, int name, void *__restrict val, socklen_t *__restrict len) {
    if (!__csock_span_ok(len, sizeof *len) || (*len && !__csock_span_ok(val, *len)))
        return __csock_fail(EFAULT);
    switch (level) {
    case SOL_SOCKET:
        return sol_socket_get(fd, name, val, len);
    case IPPROTO_IPV6:
        if (name != IPV6_V6ONLY) return __csock_fail(ENOPROTOOPT);
        {   /* only meaningful on an IPv6 socket; SO_DOMAIN also checks fd is a socket */
            int dom;
            socklen_t dl = sizeof dom;
            if (sol_socket_get(fd, SO_DOMAIN, &dom, &dl)) return -1;
            if (dom != AF_INET6) return __csock_fail(ENOPROTOOPT);
        }
        return put_int(val, len, 0);
    default:
        return __csock_fail(ENOPROTOOPT);
    }
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
    if (len && !__csock_span_ok(val, len)) return __csock_fail(EFAULT);
    int flag = 0;
    if (level != SOL_SOCKET) {
        if (len < sizeof(int)) return __csock_fail(EINVAL);
        memcpy(&flag, val, sizeof flag);
    }
    switch (level) {
    case SOL_SOCKET: {
        int32_t we = we_name(name);
        if (we < 0) return __csock_fail(ENOPROTOOPT);
        socklen_t need = payload(name);
        if (len < need) return __csock_fail(EINVAL);
        if (need) len = need;
        int32_t r = __csock_sock_setsockopt(fd, 0, we, val, len);
        return r ? __csock_fail_wasi(r) : 0;
    }
    case IPPROTO_TCP: {
        /* a TCP option: the fd must be a stream socket (this also checks it is a socket) */
        int type;
        socklen_t tl = sizeof type;
        if (sol_socket_get(fd, SO_TYPE, &type, &tl)) return -1;
        if (type != SOCK_STREAM) return __csock_fail(EOPNOTSUPP);
        if (name == TCP_NODELAY && flag) return 0;
        return __csock_fail(ENOPROTOOPT);
    }
    case IPPROTO_IPV6:
        if (name == IPV6_V6ONLY && !flag) return 0;
        return __csock_fail(ENOPROTOOPT);
    default:
        return __csock_fail(ENOPROTOOPT);
    }
}
