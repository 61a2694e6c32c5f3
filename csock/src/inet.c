/* inet_addr, inet_network, inet_ntoa: the three <arpa/inet.h> functions wasi-libc leaves
 * out for WASI preview1 (inet_pton, inet_ntop, inet_aton and htons & co. are wasi-libc's). */
#include <arpa/inet.h>
#include <stdio.h>

in_addr_t inet_addr(const char *s) {
    struct in_addr a;
    return s && inet_aton(s, &a) ? a.s_addr : INADDR_NONE;
}

in_addr_t inet_network(const char *s) {
    struct in_addr a;
    return s && inet_aton(s, &a) ? ntohl(a.s_addr) : INADDR_NONE;
}

char *inet_ntoa(struct in_addr a) {
    static char buf[INET_ADDRSTRLEN];
    const unsigned char *b = (const unsigned char *)&a.s_addr;
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return buf;
}
