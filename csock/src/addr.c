/* Address translation between wasm32 POSIX sockaddrs and the WasmEdge forms, byte for
 * byte as netaddr does it on the host (shared/spec/posix-sockaddr-wasm32.md section 4;
 * tested against netaddr's known answers by runtime-glue/tests/sockets/csock.rs).
 *
 *   sockaddr_in  (16): family u16 LE = 1 | port BE | 4 octets | 8 zero
 *   sockaddr_in6 (32): family u16 LE = 2 | port BE | flowinfo | 16 octets | scope u32 LE | pad
 *   sockaddr_un (112): family u16 LE = 3 | sun_path[108]
 *   V2 storage  (128): family u16 LE (1/2/3) | octets or sun_path ...; port separate, host order
 */
#include <errno.h>
#include <string.h>

#include "csock.h"

int __csock_fail(int e) {
    errno = e;
    return -1;
}

int __csock_fail_wasi(int32_t wasi_errno) {
    /* wasi-libc's errno values are the WASI errno numbers (EAGAIN == __WASI_ERRNO_AGAIN ...). */
    errno = wasi_errno ? (int)wasi_errno : EIO;
    return -1;
}

int __csock_span_ok(const void *p, size_t len) {
    uintptr_t a = (uintptr_t)p;
    uintptr_t end = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
    if (p == NULL) return 0;
    return a <= end && len <= end - a;
}

static uint16_t le16(const uint8_t *b) { return (uint16_t)(b[0] | (b[1] << 8)); }

int __csock_to_storage(const struct sockaddr *sa, socklen_t len, csock_storage *st,
                       uint32_t *port) {
    const uint8_t *b = (const uint8_t *)sa;
    if (!__csock_span_ok(sa, len)) return EFAULT;
    if (len < sizeof(sa_family_t)) return EINVAL;
    memset(st->b, 0, sizeof st->b);
    switch (le16(b)) {
    case AF_INET:
        if (len < sizeof(struct sockaddr_in)) return EINVAL;
        st->b[0] = CSOCK_WE_INET4;
        memcpy(st->b + 2, b + 4, 4);
        *port = (uint32_t)((b[2] << 8) | b[3]);
        return 0;
    case AF_INET6:
        /* 24 = RFC 2133 sockaddr_in6 without scope id (Linux accepts it, so does netaddr). */
        if (len < 24) return EINVAL;
        st->b[0] = CSOCK_WE_INET6;
        memcpy(st->b + 2, b + 8, 16);
        *port = (uint32_t)((b[2] << 8) | b[3]);
        return 0;
    case AF_UNIX: {
        size_t n = len - offsetof(struct sockaddr_un, sun_path);
        if (len > sizeof(struct sockaddr_un)) n = sizeof(((struct sockaddr_un *)0)->sun_path);
        /* The storage holds 108 path bytes after its family, NUL-terminated. */
        const char *path = (const char *)b + offsetof(struct sockaddr_un, sun_path);
        size_t plen = strnlen(path, n);
        if (plen == 0 || plen >= 108) return EINVAL;
        st->b[0] = CSOCK_WE_UNIX;
        memcpy(st->b + 2, path, plen);
        *port = 0;
        return 0;
    }
    default:
        return EAFNOSUPPORT;
    }
}

socklen_t __csock_from_storage(const csock_storage *st, uint32_t port, csock_sockaddr *out) {
    memset(out, 0, sizeof *out);
    switch (st->b[0]) { /* readers use the low byte (WasmEdge 0.12 wrote only byte 0) */
    case CSOCK_WE_INET4:
        out->in.sin_family = AF_INET;
        out->in.sin_port = htons((uint16_t)port);
        memcpy(&out->in.sin_addr, st->b + 2, 4);
        return sizeof(struct sockaddr_in);
    case CSOCK_WE_INET6:
        out->in6.sin6_family = AF_INET6;
        out->in6.sin6_port = htons((uint16_t)port);
        memcpy(&out->in6.sin6_addr, st->b + 2, 16);
        return sizeof(struct sockaddr_in6);
    case CSOCK_WE_UNIX: {
        size_t plen = strnlen((const char *)st->b + 2, sizeof out->un.sun_path - 1);
        out->un.sun_family = AF_UNIX;
        memcpy(out->un.sun_path, st->b + 2, plen);
        /* Linux: an unnamed end is just the family; a path counts its NUL. */
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (plen ? plen + 1 : 0));
    }
    default:
        out->sa.sa_family = AF_UNSPEC;
        return sizeof(sa_family_t);
    }
}

socklen_t __csock_from_sa_data(uint32_t family, const uint8_t *sa_data, uint32_t len,
                               csock_sockaddr *out) {
    uint8_t *o = (uint8_t *)out;
    memset(out, 0, sizeof *out);
    if (family == CSOCK_WE_INET4 && len >= 14) {
        o[0] = AF_INET;
        memcpy(o + 2, sa_data, 14);
        memset(o + 8, 0, 8); /* sin_zero: padding in the wasm32 struct */
        return sizeof(struct sockaddr_in);
    }
    if (family == CSOCK_WE_INET6 && len >= 26) {
        o[0] = AF_INET6;
        memcpy(o + 2, sa_data, 26);
        return sizeof(struct sockaddr_in6);
    }
    return 0;
}

int __csock_copy_out(const csock_sockaddr *full, socklen_t full_len, struct sockaddr *addr,
                     socklen_t *len) {
    if (!__csock_span_ok(len, sizeof *len)) return EFAULT;
    socklen_t n = *len < full_len ? *len : full_len;
    if (n && !__csock_span_ok(addr, n)) return EFAULT;
    if (n) memcpy(addr, full, n);
    *len = full_len;
    return 0;
}
