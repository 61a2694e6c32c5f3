/*
 * select_server.c - a select()-based HTTP server shaped like PHP's built-in dev server
 * (sapi/cli/php_cli_server.c), for wasm32-wasi with Debian's clang + wasi-libc.
 *
 * Usage: select_server.wasm [FD]   (FD also from env LISTEN_FD; default 3)
 *   Serves the already-listening socket FD (a pre-opened listener: `wasmtime run
 *   -S preview2=n -S tcplisten=ADDR`, `fdvirt run --tcplisten ADDR`). Every request gets a
 *   small text page with a request counter and `Connection: close`, like PHP's server.
 *   Env FD_OVERFLOW=ignore|close chooses what happens to an accepted fd >= FD_SETSIZE
 *   (default ignore, see below). Env VERBOSE=1 logs each served request to stdout.
 *
 * Imports: wasi-libc 2022 has no accept(), so the server calls __wasi_sock_accept (the
 * standard 3-argument `sock_accept(fd, flags, ro_fd)`); recv/send/close/select come from
 * wasi-libc (`sock_recv`, `sock_send`, `fd_close`, `poll_oneoff` with one fd_read
 * subscription per fd in the read set plus a clock subscription for the timeout).
 *
 * THE BUG THIS GUEST REPRODUCES ON PURPOSE. PHP guards every FD_SET with
 *     #define PHP_SAFE_FD_SET(fd, set) do { if (fd < FD_SETSIZE) FD_SET(fd, set); } while (0)
 * and clamps max_fd with PHP_SAFE_MAX_FD (warning "You MUST recompile PHP with a larger value
 * of FD_SETSIZE"). An accepted connection whose fd is >= FD_SETSIZE (1024) is therefore kept
 * in the client table but never selected: it is never read, never answered, never closed,
 * and its client waits forever. wasi-libc's fd_set is a list of fd values, so select()
 * itself would cope; it is the application's check that loses the connection. Under a
 * lowest-free fd policy (or fdvirt's capped:1024) fds stay small and every request is
 * served; under WasmEdge's random fds in [0, 2^31) almost every connection is lost.
 * FD_OVERFLOW=close closes such fds at once instead, so a test sees EOF instead of a hang.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

#define MAX_CLIENTS 4096
#define REQ_MAX 8192

/* One accepted connection, kept in the table like PHP's `clients` hash (keyed by fd). */
struct client {
    int fd;            /* -1 = free slot */
    int selectable;    /* 0 if fd >= FD_SETSIZE: never put in an fd_set (PHP_SAFE_FD_SET) */
    size_t len;        /* bytes of request received so far */
    char buf[REQ_MAX]; /* request head */
};

static struct client clients[MAX_CLIENTS];
static unsigned long served;
static int overflow_close;
static int verbose;

/* PHP_SAFE_FD_SET: silently skip fds that do not fit a classic bitmap fd_set. */
static void safe_fd_set(int fd, fd_set *set) {
    if (fd < FD_SETSIZE) FD_SET(fd, set);
}

static void drop_client(struct client *c) {
    close(c->fd);
    c->fd = -1;
}

/* Accepts one connection (the listener may be non-blocking: EAGAIN is fine). */
static void accept_one(int listen_fd) {
    __wasi_fd_t fd;
    /* Non-blocking, so a spurious readiness report can never stall the whole loop in recv. */
    __wasi_errno_t err = __wasi_sock_accept((__wasi_fd_t)listen_fd, __WASI_FDFLAGS_NONBLOCK, &fd);
    if (err != 0) {
        if (err != __WASI_ERRNO_AGAIN) fprintf(stderr, "sock_accept: wasi errno %u\n", err);
        return;
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd != -1) continue;
        clients[i].fd = (int)fd;
        clients[i].len = 0;
        clients[i].selectable = (int)fd < FD_SETSIZE;
        if (!clients[i].selectable) {
            fprintf(stderr,
                    "warning: accepted fd %u >= FD_SETSIZE (%d): %s "
                    "(PHP: \"You MUST recompile PHP with a larger value of FD_SETSIZE\")\n",
                    fd, FD_SETSIZE, overflow_close ? "closing it" : "it will never be selected");
            if (overflow_close) drop_client(&clients[i]);
        }
        return;
    }
    fprintf(stderr, "client table full, closing fd %u\n", fd);
    close((int)fd);
}

/* Sends all of buf; returns 0 on success, -1 on error (EAGAIN is retried). */
static int send_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, 0);
        if (n < 0 && errno == EAGAIN) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads what is available; when the request head is complete, answers and closes. */
static void on_readable(struct client *c) {
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { /* EOF or error: the peer is gone */
        drop_client(c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    if (strstr(c->buf, "\r\n\r\n") == NULL) {
        if (c->len + 1 >= sizeof c->buf) drop_client(c); /* head too large */
        return;
    }
    char body[128], resp[512];
    int blen = snprintf(body, sizeof body,
                        "Hello from the select() C guest\nrequest %lu\nfd %d\n", ++served, c->fd);
    int rlen = snprintf(resp, sizeof resp,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n%s",
                        blen, body);
    if (send_all(c->fd, resp, (size_t)rlen) != 0) fprintf(stderr, "send to fd %d failed\n", c->fd);
    else if (verbose) printf("served request %lu on fd %d\n", served, c->fd);
    shutdown(c->fd, SHUT_WR);
    drop_client(c);
}

int main(int argc, char **argv) {
    const char *fd_arg = argc > 1 ? argv[1] : getenv("LISTEN_FD");
    int listen_fd = fd_arg ? atoi(fd_arg) : 3;
    const char *ov = getenv("FD_OVERFLOW");
    overflow_close = ov != NULL && strcmp(ov, "close") == 0;
    verbose = getenv("VERBOSE") != NULL;
    for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
    printf("select() server on fd %d, FD_SETSIZE %d, fds >= FD_SETSIZE: %s\n", listen_fd,
           FD_SETSIZE, overflow_close ? "closed" : "ignored (PHP behaviour)");
    fflush(stdout);

    for (;;) {
        fd_set rfds;
        FD_ZERO(&rfds);
        int max_fd = listen_fd;
        safe_fd_set(listen_fd, &rfds);
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd == -1 || !clients[i].selectable) continue;
            safe_fd_set(clients[i].fd, &rfds);
            if (clients[i].fd > max_fd) max_fd = clients[i].fd;
        }
        struct timeval tv = {.tv_sec = 1, .tv_usec = 0}; /* PHP's loop also wakes periodically */
        int n = select(max_fd + 1, &rfds, NULL, NULL, &tv);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("select");
            return 1;
        }
        if (n == 0) continue;
        if (FD_ISSET(listen_fd, &rfds)) accept_one(listen_fd);
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd != -1 && clients[i].selectable && FD_ISSET(clients[i].fd, &rfds))
                on_readable(&clients[i]);
        }
    }
}
