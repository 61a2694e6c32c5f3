/* fdvirt socket layer: <arpa/inet.h> = wasi-libc's header plus inet_addr, inet_network and
 * inet_ntoa, which wasi-libc leaves out for WASI preview1. */
#ifndef FDVIRT_CSOCK_ARPA_INET_H
#define FDVIRT_CSOCK_ARPA_INET_H
#pragma GCC system_header

#include_next <arpa/inet.h>

#ifdef __cplusplus
extern "C" {
#endif

in_addr_t inet_addr(const char *);
in_addr_t inet_network(const char *);
/* Returns a static buffer, overwritten by the next call (POSIX). */
char *inet_ntoa(struct in_addr);

#ifdef __cplusplus
}
#endif

#endif
