/* select and pselect over poll(), replacing wasi-libc's 2022 versions, which fail with
 * ENOSYS as soon as an exception set is non-empty. Many servers pass one (libmicrohttpd's
 * MHD_get_fdset fills it with every connection), so they stopped at their first select().
 * Upstream wasi-libc later made the same change this file makes: exceptional conditions
 * (out-of-band data) do not exist over WASI sockets, so exception sets are accepted and come
 * back empty. Everything else keeps wasi-libc's behaviour: fd_set is wasi-libc's list of up
 * to FD_SETSIZE fd values (any value, so random fd policies work), only fds below nfds
 * count, a closed or unknown fd makes the call fail with EBADF, and an fd in both the read
 * and the write set is one poll entry (one subscription per direction). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>

#include "csock.h"

/* Adds the members of `set` below nfds to `p` with `events`; returns the new count. */
static size_t collect(const fd_set *set, int nfds, short events, struct pollfd *p, size_t n) {
    if (!set) return n;
    for (size_t i = 0; i < set->__nfds && i < FD_SETSIZE; i++) {
        int fd = set->__fds[i];
        if (fd < 0 || fd >= nfds) continue;
        size_t j = 0;
        while (j < n && p[j].fd != fd) j++;
        if (j == n) p[n++] = (struct pollfd){fd, 0, 0};
        p[j].events |= events;
    }
    return n;
}

static int do_select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, int timeout_ms) {
    if (nfds < 0) return __csock_fail(EINVAL);
    if ((rd && !__csock_span_ok(rd, sizeof *rd)) || (wr && !__csock_span_ok(wr, sizeof *wr)) ||
        (ex && !__csock_span_ok(ex, sizeof *ex)))
        return __csock_fail(EFAULT);
    struct pollfd *p = malloc(2 * FD_SETSIZE * sizeof *p);
    if (!p) return __csock_fail(ENOMEM);
    size_t n = collect(rd, nfds, POLLRDNORM, p, 0);
    n = collect(wr, nfds, POLLWRNORM, p, n);
    int r = poll(n ? p : NULL, (nfds_t)n, timeout_ms);
    if (r < 0) {
        free(p);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i].revents & POLLNVAL) {
            free(p);
            return __csock_fail(EBADF);
        }
    }
    int count = 0;
    fd_set *sets[2] = {rd, wr};
    const short ready[2] = {POLLRDNORM | POLLHUP | POLLERR, POLLWRNORM | POLLHUP | POLLERR};
    for (int s = 0; s < 2; s++) {
        if (!sets[s]) continue;
        fd_set out;
        FD_ZERO(&out);
        for (size_t i = 0; i < n; i++) {
            short asked = s == 0 ? POLLRDNORM : POLLWRNORM;
            if ((p[i].events & asked) && (p[i].revents & ready[s])) {
                FD_SET(p[i].fd, &out);
                count++;
            }
        }
        FD_COPY(&out, sets[s]);
    }
    if (ex) FD_ZERO(ex); /* no exceptional conditions over WASI sockets */
    free(p);
    return count;
}

/* Milliseconds for poll(), rounded up so a short timeout does not become a busy loop. */
static int ms_of(long long sec, long long nsec) {
    long long ms = sec * 1000 + (nsec + 999999) / 1000000;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

int select(int nfds, fd_set *__restrict rd, fd_set *__restrict wr, fd_set *__restrict ex,
           struct timeval *__restrict tv) {
    if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000))
        return __csock_fail(EINVAL);
    return do_select(nfds, rd, wr, ex, tv ? ms_of(tv->tv_sec, (long long)tv->tv_usec * 1000) : -1);
}

int pselect(int nfds, fd_set *__restrict rd, fd_set *__restrict wr, fd_set *__restrict ex,
            const struct timespec *__restrict ts, const sigset_t *__restrict mask) {
    (void)mask; /* no signals to mask in WASI */
    if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000))
        return __csock_fail(EINVAL);
    return do_select(nfds, rd, wr, ex, ts ? ms_of(ts->tv_sec, ts->tv_nsec) : -1);
}
