/*
 * wasmedge_server.c - a C HTTP server that creates its own listening socket through the
 * WasmEdge socket extensions, with a small POSIX sockaddr shim (what PHP's WasmEdge port does
 * in wasi_socket_ext.c, minus its bugs: see posix-sockaddr-wasm32.md §6).
 *
 * Usage: wasmedge_server.wasm [ADDR [PORT]]   (defaults 127.0.0.1 8081; ADDR may be IPv6,
 *   e.g. ::1 or ::). Prints "wasmedge_server listening on <addr> port <port>" (read back with
 *   sock_getlocaladdr), then forever: accepts a connection, reads one request head, answers
 *   "Hello from the C WasmEdge-ABI guest" with a counter, closes. Peer errors never stop it.
 *
 * Imports (wasi_snapshot_preview1, all i32): sock_open/3, sock_bind/3, sock_listen/2,
 * sock_accept/2 (legacy WasmEdge form, as the PHP shim), sock_getlocaladdr/4 (V1), plus
 * wasi-libc's recv/send/shutdown/close (sock_recv/6, sock_send/5, sock_shutdown/2, fd_close).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the WasmEdge extensions (spec wasmedge-socket-abi.md §6), declared by hand */

/* __wasi_address_t: u32 pointer to the address bytes, u32 length (4 or 16) (spec §3.1). */
typedef struct {
    uint8_t *buf;
    uint32_t buf_len;
} wasi_address_t;

#define WASM_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

/* (af: 1 INET4 / 2 INET6, socktype: 1 DGRAM / 2 STREAM, ro_fd*) -> errno */
WASM_IMPORT("sock_open") int32_t we_sock_open(int32_t af, int32_t socktype, uint32_t *ro_fd);
/* (fd, address*, port in host order) -> errno */
WASM_IMPORT("sock_bind") int32_t we_sock_bind(int32_t fd, wasi_address_t *addr, int32_t port);
/* (fd, backlog) -> errno */
WASM_IMPORT("sock_listen") int32_t we_sock_listen(int32_t fd, int32_t backlog);
/* legacy 2-argument accept: (fd, ro_fd*) -> errno (spec §6.5) */
WASM_IMPORT("sock_accept") int32_t we_sock_accept(int32_t fd, uint32_t *ro_fd);
/* V1: (fd, address* with 16-byte buffer, u32 type* (4 or 6), u32 port*) -> errno (spec §6.15) */
WASM_IMPORT("sock_getlocaladdr")
int32_t we_sock_getlocaladdr(int32_t fd, wasi_address_t *addr, uint32_t *type, uint32_t *port);

/* ---- POSIX shim: errno on failure, like libc */

static int shim_fail(int32_t wasi_errno) {
    errno = wasi_errno; /* wasi-libc's errno values are the WASI errno numbers */
    return -1;
}

static int shim_socket(int domain, int type) {
    int32_t af = domain == AF_INET ? 1 : domain == AF_INET6 ? 2 : -1;
    int32_t st = type == SOCK_STREAM ? 2 : type == SOCK_DGRAM ? 1 : -1;
    if (af < 0) return shim_fail(EAFNOSUPPORT);
    if (st < 0) return shim_fail(EPROTOTYPE);
    uint32_t fd;
    int32_t err = we_sock_open(af, st, &fd);
    return err ? shim_fail(err) : (int)fd;
}

/* Unlike PHP's shim, converts sin_port from network order (ntohs) and rejects families it
 * cannot express instead of guessing. */
static int shim_bind(int fd, const struct sockaddr *sa, socklen_t len) {
    wasi_address_t addr;
    int port;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        addr.buf = (uint8_t *)&in->sin_addr;
        addr.buf_len = 4;
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        addr.buf = (uint8_t *)&in6->sin6_addr;
        addr.buf_len = 16;
        port = ntohs(in6->sin6_port);
    } else {
        return shim_fail(EAFNOSUPPORT);
    }
    int32_t err = we_sock_bind(fd, &addr, port);
    return err ? shim_fail(err) : 0;
}

static int shim_accept(int fd) {
    uint32_t new_fd;
    int32_t err = we_sock_accept(fd, &new_fd);
    return err ? shim_fail(err) : (int)new_fd;
}

/* Formats the socket's local address as "<addr> port <port>" into out. */
static void local_name(int fd, char *out, size_t cap) {
    uint8_t bytes[16] = {0};
    wasi_address_t addr = {bytes, sizeof bytes};
    uint32_t type = 0, port = 0;
    char text[INET6_ADDRSTRLEN] = "?";
    int32_t err = we_sock_getlocaladdr(fd, &addr, &type, &port);
    if (err == 0) inet_ntop(type == 6 ? AF_INET6 : AF_INET, bytes, text, sizeof text);
    snprintf(out, cap, "%s port %u", text, (unsigned)port);
}

/* ---- the server */

/* Answers one request; returns 1 if a response was sent, 0 if the peer left first. */
static int serve(int fd, unsigned long n) {
    char req[4096];
    size_t len = 0;
    while (len < sizeof req - 1) {
        ssize_t got = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (got <= 0) return 0; /* EOF or error: nothing to answer */
        len += (size_t)got;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n")) break;
    }
    char body[96], resp[320];
    int blen = snprintf(body, sizeof body, "Hello from the C WasmEdge-ABI guest\nrequest %lu\n", n);
    int rlen = snprintf(resp, sizeof resp,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n%s",
                        blen, body);
    for (int off = 0; off < rlen;) {
        ssize_t sent = send(fd, resp + off, (size_t)(rlen - off), 0);
        if (sent <= 0) return 0;
        off += (int)sent;
    }
    shutdown(fd, SHUT_WR);
    return 1;
}

int main(int argc, char **argv) {
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 8081;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        len = sizeof *in;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        len = sizeof *in6;
    } else {
        fprintf(stderr, "not an IP address: %s\n", host);
        return 2;
    }
    int lfd = shim_socket(family, SOCK_STREAM);
    if (lfd < 0 || shim_bind(lfd, (struct sockaddr *)&ss, len) < 0 || we_sock_listen(lfd, 128) != 0) {
        perror("socket/bind/listen");
        return 1;
    }
    char name[80];
    local_name(lfd, name, sizeof name);
    printf("wasmedge_server listening on %s\n", name);
    fflush(stdout);
    for (unsigned long served = 1;;) {
        int fd = shim_accept(lfd);
        if (fd < 0) continue; /* e.g. ECONNABORTED: keep serving */
        served += (unsigned long)serve(fd, served);
        close(fd);
    }
}
