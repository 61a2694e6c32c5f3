/* Internal header of the fdvirt socket layer: the host imports it calls, the WasmEdge
 * structures it builds, and the helpers shared by its files. Not installed.
 *
 * Ownership rule for every host call: each buffer the layer hands the host (address
 * structs, the 128-byte storage, iovecs, option payloads, getaddrinfo nodes) lives on the
 * caller's stack or in a block the layer malloc'd for the duration of that one call; the
 * host keeps no pointer after it returns. */
#ifndef FDVIRT_CSOCK_INTERNAL_H
#define FDVIRT_CSOCK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <wasi/api.h>

#define CSOCK_IMPORT(name) \
    __attribute__((__import_module__("wasi_snapshot_preview1"), __import_name__(name)))

/* WasmEdge `__wasi_address_t` (ABI spec 3.1): 8 bytes, align 4. */
typedef struct {
    uint8_t *buf;
    uint32_t buf_len;
} csock_address;

/* WasmEdge 128-byte V2 address storage (ABI spec 3.3): u16 LE family (1/2/3) at 0,
 * address octets or sun_path from 2. */
#define CSOCK_STORAGE_LEN 128
typedef struct {
    _Alignas(4) uint8_t b[CSOCK_STORAGE_LEN];
} csock_storage;

/* WasmEdge numbers (ABI spec 2.2). */
#define CSOCK_WE_INET4 1
#define CSOCK_WE_INET6 2
#define CSOCK_WE_UNIX 3
#define CSOCK_WE_DGRAM 1
#define CSOCK_WE_STREAM 2

/* The socket imports. Every `_v2` form exists on fdvirt and on WasmEdge >= 0.12; the
 * ones with identical V1/V2 types are imported by their `_v2` name so the 128-byte storage
 * form (needed for AF_UNIX) is always accepted. */
int32_t __csock_sock_open(int32_t af, int32_t type, int32_t *fd) CSOCK_IMPORT("sock_open_v2");
int32_t __csock_sock_bind(int32_t fd, const csock_address *a, int32_t port)
    CSOCK_IMPORT("sock_bind_v2");
int32_t __csock_sock_connect(int32_t fd, const csock_address *a, int32_t port)
    CSOCK_IMPORT("sock_connect_v2");
int32_t __csock_sock_listen(int32_t fd, int32_t backlog) CSOCK_IMPORT("sock_listen_v2");
int32_t __csock_sock_recv_from(int32_t fd, const __wasi_iovec_t *iovs, int32_t n,
                               csock_address *a, int32_t riflags, uint16_t *port,
                               uint32_t *datalen, uint16_t *roflags)
    CSOCK_IMPORT("sock_recv_from_v2");
int32_t __csock_sock_send_to(int32_t fd, const __wasi_ciovec_t *iovs, int32_t n,
                             const csock_address *a, int32_t port, int32_t siflags,
                             uint32_t *datalen) CSOCK_IMPORT("sock_send_to_v2");
int32_t __csock_sock_getlocaladdr(int32_t fd, csock_address *a, uint32_t *port)
    CSOCK_IMPORT("sock_getlocaladdr_v2");
int32_t __csock_sock_getpeeraddr(int32_t fd, csock_address *a, uint32_t *port)
    CSOCK_IMPORT("sock_getpeeraddr_v2");
int32_t __csock_sock_getsockopt(int32_t fd, int32_t level, int32_t name, void *val,
                                uint32_t *len) CSOCK_IMPORT("sock_getsockopt");
int32_t __csock_sock_setsockopt(int32_t fd, int32_t level, int32_t name, const void *val,
                                uint32_t len) CSOCK_IMPORT("sock_setsockopt");

/* A POSIX address as the layer builds it for output: large enough for every family. */
typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_un un;
} csock_sockaddr;

/* Returns -1 with errno = e (helper for `return csock_fail(EINVAL);`). */
int __csock_fail(int e);
/* errno from a WASI errno returned by a host call; returns -1. */
int __csock_fail_wasi(int32_t wasi_errno);
/* Whether [p, p+len) lies inside linear memory (a bad pointer gets EFAULT, never a trap). */
int __csock_span_ok(const void *p, size_t len);

/* Guest sockaddr -> V2 storage + host-order port (the bind/connect/sendto argument).
 * Returns 0 or a POSIX errno: EFAULT (NULL or outside memory), EINVAL (length too short for
 * the family, or an AF_UNIX path without room), EAFNOSUPPORT (other families). */
int __csock_to_storage(const struct sockaddr *sa, socklen_t len, csock_storage *st,
                       uint32_t *port);
/* V2 storage + host-order port (what getlocaladdr_v2 / getpeeraddr_v2 / recv_from_v2 give)
 * -> POSIX address; returns its full length (16, 32, 2 + path + 1 for AF_UNIX, 2 for an
 * unnamed or unknown end). flowinfo and scope id are 0: the ABI cannot carry them. */
socklen_t __csock_from_storage(const csock_storage *st, uint32_t port, csock_sockaddr *out);
/* getaddrinfo `sa_data` bytes (ABI spec 6.18: port BE, then as the wasm32 struct from offset
 * 2) with WasmEdge family 1/2 -> POSIX address; returns the length, 0 if unusable. */
socklen_t __csock_from_sa_data(uint32_t family, const uint8_t *sa_data, uint32_t len,
                               csock_sockaddr *out);
/* POSIX output truncation: copies min(*len, full_len) bytes into addr and sets
 * *len = full_len. Returns 0, or EFAULT when addr/len point outside memory. */
int __csock_copy_out(const csock_sockaddr *full, socklen_t full_len, struct sockaddr *addr,
                     socklen_t *len);

/* The byte order of the 2-byte port sock_recv_from_v2 writes: WasmEdge writes network
 * order, fdvirt host order by default. Detected once (see port_order.c). */
uint16_t __csock_recv_from_port(uint16_t raw);

/* MSG_DONTWAIT for one call: turns O_NONBLOCK on if it was off; __csock_nb_end restores. */
int __csock_nb_begin(int fd, int flags, int *restore);
void __csock_nb_end(int fd, int restore);

#endif
