/* fdvirt socket layer: <sys/socket.h> = wasi-libc's header plus what it leaves out for
 * WASI preview1 (socket, bind, connect, listen, getsockname, getpeername, sendto, recvfrom,
 * sendmsg, recvmsg, setsockopt, socketpair and the SO_* / MSG_* names), implemented by
 * libfdvirt_socket.a over the WasmEdge socket imports.
 *
 * Numbering: everything wasi-libc already defines keeps its value (AF_INET 1, AF_INET6 2,
 * AF_UNIX 3, SOCK_DGRAM 5, SOCK_STREAM 6, SOL_SOCKET 0x7fffffff, SO_TYPE 3, SHUT_*,
 * MSG_PEEK 1, MSG_WAITALL 2). Names it lacks get musl's 32-bit Linux values, which do not
 * collide with those. */
#ifndef FDVIRT_CSOCK_SYS_SOCKET_H
#define FDVIRT_CSOCK_SYS_SOCKET_H
#pragma GCC system_header

#include_next <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PF_UNSPEC
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6
#define PF_UNIX AF_UNIX
#endif
#ifndef AF_LOCAL
#define AF_LOCAL AF_UNIX
#define PF_LOCAL AF_UNIX
#endif

#ifndef SOMAXCONN
#define SOMAXCONN 128
#endif

/* Socket options at SOL_SOCKET (Linux numbers; the layer translates them to WasmEdge's 0-14). */
#ifndef SO_REUSEADDR
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_BINDTODEVICE 25
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SO_RCVTIMEO 66
#define SO_SNDTIMEO 67
#endif

/* Message flags wasi-libc lacks. MSG_TRUNC in the 2022 headers names an undefined
 * constant, so it is replaced. MSG_OOB is left undefined on purpose: Linux's value (1)
 * is wasi-libc's MSG_PEEK, and no runtime here has out-of-band data. */
#undef MSG_TRUNC
#define MSG_TRUNC 0x0020
#ifndef MSG_CTRUNC
#define MSG_CTRUNC 0x0008
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x0040
#endif
#ifndef MSG_EOR
#define MSG_EOR 0x0080
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef MSG_MORE
#define MSG_MORE 0x8000
#endif

int socket(int, int, int);
int bind(int, const struct sockaddr *, socklen_t);
int connect(int, const struct sockaddr *, socklen_t);
int listen(int, int);
int getsockname(int, struct sockaddr *__restrict, socklen_t *__restrict);
int getpeername(int, struct sockaddr *__restrict, socklen_t *__restrict);
ssize_t sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t recvfrom(int, void *__restrict, size_t, int, struct sockaddr *__restrict,
                 socklen_t *__restrict);
ssize_t sendmsg(int, const struct msghdr *, int);
ssize_t recvmsg(int, struct msghdr *, int);
int setsockopt(int, int, int, const void *, socklen_t);
/* Emulated over loopback (see csock/README.md). */
int socketpair(int, int, int, int[2]);

#ifdef __cplusplus
}
#endif

#endif
