/* The byte order of the sender port `sock_recv_from_v2` writes.
 *
 * WasmEdge writes the 2 bytes in network order (its issue 2491, unfixed); fdvirt writes host
 * order by default (`--recv-from-port-order network` makes it WasmEdge-exact). Nothing in the
 * ABI says which runtime is present, so the first recvfrom that wants an address asks the
 * runtime once: a loopback UDP socket sends itself one byte and compares the port
 * recv_from_v2 reports with the one getlocaladdr_v2 (host order in both runtimes) gives.
 * The environment variable FDVIRT_SOCKET_RECVFROM_PORT=host|network skips the probe. If the
 * probe cannot run (e.g. a network policy denies binding loopback, which only fdvirt has),
 * host order is assumed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csock.h"

enum { ORDER_UNKNOWN = -1, ORDER_HOST = 0, ORDER_NETWORK = 1 };
static int order = ORDER_UNKNOWN;

static uint16_t swap16(uint16_t v) { return (uint16_t)((v >> 8) | (v << 8)); }

/* Waits up to 500 ms for fd to become readable. */
static void wait_readable(int fd) {
    __wasi_subscription_t sub[2];
    memset(sub, 0, sizeof sub);
    sub[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[0].u.u.fd_read.file_descriptor = (__wasi_fd_t)fd;
    sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[1].u.u.clock.timeout = 500000000ull;
    __wasi_event_t ev[2];
    __wasi_size_t n;
    (void)__wasi_poll_oneoff(sub, ev, 2, &n);
}

/* One attempt on `family`; returns the order or ORDER_UNKNOWN. */
static int probe_once(int32_t family) {
    int32_t fd;
    if (__csock_sock_open(family, CSOCK_WE_DGRAM, &fd)) return ORDER_UNKNOWN;
    int result = ORDER_UNKNOWN;
    csock_storage st;
    memset(&st, 0, sizeof st);
    st.b[0] = (uint8_t)family;
    if (family == CSOCK_WE_INET4) {
        st.b[2] = 127, st.b[5] = 1;
    } else {
        st.b[17] = 1;
    }
    csock_address a = {st.b, sizeof st.b};
    csock_storage local;
    csock_address la = {local.b, sizeof local.b};
    uint32_t port = 0;
    if (__csock_sock_bind(fd, &a, 0) || __csock_sock_getlocaladdr(fd, &la, &port) ||
        (port >> 8) == (port & 0xff) /* byte-symmetric: cannot tell */)
        goto out;
    uint8_t byte = 0x5a;
    __wasi_ciovec_t out_iov = {&byte, 1};
    uint32_t sent;
    if (__csock_sock_send_to(fd, &out_iov, 1, &a, (int32_t)port, 0, &sent) || sent != 1) goto out;
    if (__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK)) goto out;
    for (int tries = 0; tries < 2; tries++) {
        csock_storage from;
        memset(&from, 0, sizeof from);
        csock_address fa = {from.b, sizeof from.b};
        __wasi_iovec_t in_iov = {&byte, 1};
        uint16_t raw = 0, ro = 0;
        uint32_t got = 0;
        int32_t r = __csock_sock_recv_from(fd, &in_iov, 1, &fa, 0, &raw, &got, &ro);
        if (r == __WASI_ERRNO_AGAIN) {
            wait_readable(fd);
            continue;
        }
        if (r == 0 && raw == port) result = ORDER_HOST;
        else if (r == 0 && raw == swap16((uint16_t)port)) result = ORDER_NETWORK;
        break;
    }
out:
    (void)__wasi_fd_close(fd);
    return result;
}

static int probe(void) {
    const char *env = getenv("FDVIRT_SOCKET_RECVFROM_PORT");
    if (env && strcmp(env, "host") == 0) return ORDER_HOST;
    if (env && strcmp(env, "network") == 0) return ORDER_NETWORK;
    int saved = errno;
    int o = ORDER_UNKNOWN;
    for (int i = 0; i < 6 && o == ORDER_UNKNOWN; i++)
        o = probe_once(i % 2 == 0 ? CSOCK_WE_INET4 : CSOCK_WE_INET6);
    errno = saved;
    return o == ORDER_UNKNOWN ? ORDER_HOST : o;
}

uint16_t __csock_recv_from_port(uint16_t raw) {
    if (order == ORDER_UNKNOWN) order = probe();
    return order == ORDER_NETWORK ? swap16(raw) : raw;
}
