/* getnameinfo (numeric: the WasmEdge ABI has no reverse lookup), gethostbyname,
 * gethostbyname2, hstrerror, h_errno.
 *
 * getnameinfo writes the numeric host (IPv6 with "%scope" when the scope id is not 0) and
 * the service name from the layer's table or the port number; NI_NAMEREQD fails with
 * EAI_NONAME since no name can be found. gethostbyname is a thin wrapper over getaddrinfo
 * that keeps up to 15 addresses in static storage (overwritten by the next call). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "csock.h"
#include "services.h"

int h_errno;

int getnameinfo(const struct sockaddr *__restrict sa, socklen_t salen, char *__restrict host,
                socklen_t hostlen, char *__restrict serv, socklen_t servlen, int flags) {
    if (!__csock_span_ok(sa, salen) || salen < sizeof(sa_family_t)) return EAI_FAMILY;
    if ((host && hostlen && !__csock_span_ok(host, hostlen)) ||
        (serv && servlen && !__csock_span_ok(serv, servlen))) {
        errno = EFAULT;
        return EAI_SYSTEM;
    }
    char text[INET6_ADDRSTRLEN + 12];
    int port;
    if (sa->sa_family == AF_INET) {
        if (salen < sizeof(struct sockaddr_in)) return EAI_FAMILY;
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        if (salen < 24) return EAI_FAMILY;
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        uint32_t scope = salen >= 28 ? in6->sin6_scope_id : 0;
        if (scope) {
            size_t n = strlen(text);
            snprintf(text + n, sizeof text - n, "%%%u", (unsigned)scope);
        }
        port = ntohs(in6->sin6_port);
    } else {
        return EAI_FAMILY;
    }
    if (host && hostlen) {
        if (flags & NI_NAMEREQD) return EAI_NONAME;
        if (strlen(text) >= hostlen) return EAI_OVERFLOW;
        strcpy(host, text);
    }
    if (serv && servlen) {
        const char *name = (flags & NI_NUMERICSERV) ? NULL : __csock_service_name(port);
        char num[8];
        if (!name) {
            snprintf(num, sizeof num, "%d", port);
            name = num;
        }
        if (strlen(name) >= servlen) return EAI_OVERFLOW;
        strcpy(serv, name);
    }
    return 0;
}

#define HOST_MAX_ADDRS 15
static struct hostent hostent;
static char host_name[NI_MAXHOST + 1];
static char *host_aliases[1];
static char *host_addr_ptrs[HOST_MAX_ADDRS + 1];
static struct in6_addr host_addrs[HOST_MAX_ADDRS];

struct hostent *gethostbyname2(const char *name, int family) {
    if (family != AF_INET && family != AF_INET6) {
        h_errno = NO_RECOVERY;
        errno = EAFNOSUPPORT;
        return NULL;
    }
    if (!name) {
        h_errno = HOST_NOT_FOUND;
        return NULL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    int e = getaddrinfo(name, NULL, &hints, &res);
    if (e) {
        h_errno = e == EAI_AGAIN ? TRY_AGAIN : e == EAI_NODATA ? NO_DATA
                  : (e == EAI_NONAME || e == EAI_ADDRFAMILY) ? HOST_NOT_FOUND : NO_RECOVERY;
        return NULL;
    }
    int n = 0;
    for (struct addrinfo *p = res; p && n < HOST_MAX_ADDRS; p = p->ai_next) {
        if (family == AF_INET)
            memcpy(&host_addrs[n], &((struct sockaddr_in *)p->ai_addr)->sin_addr, 4);
        else
            memcpy(&host_addrs[n], &((struct sockaddr_in6 *)p->ai_addr)->sin6_addr, 16);
        host_addr_ptrs[n] = (char *)&host_addrs[n];
        n++;
    }
    host_addr_ptrs[n] = NULL;
    snprintf(host_name, sizeof host_name, "%s", res->ai_canonname ? res->ai_canonname : name);
    freeaddrinfo(res);
    hostent.h_name = host_name;
    hostent.h_aliases = host_aliases;
    hostent.h_addrtype = family;
    hostent.h_length = family == AF_INET ? 4 : 16;
    hostent.h_addr_list = host_addr_ptrs;
    return &hostent;
}

struct hostent *gethostbyname(const char *name) { return gethostbyname2(name, AF_INET); }

const char *hstrerror(int e) {
    switch (e) {
    case HOST_NOT_FOUND: return "Unknown host";
    case TRY_AGAIN: return "Host name lookup failure";
    case NO_RECOVERY: return "Unknown server error";
    case NO_DATA: return "No address associated with name";
    default: return "Unknown error";
    }
}
