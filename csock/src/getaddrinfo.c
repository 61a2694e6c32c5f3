/* getaddrinfo, freeaddrinfo, gai_strerror.
 *
 * Numeric hosts (inet_aton / inet_pton forms, IPv6 with a numeric %scope), a NULL host
 * (AI_PASSIVE: :: then 0.0.0.0; otherwise ::1 then 127.0.0.1 - IPv6 first, so a server
 * that binds the first address it can gets a dual-stack socket) and every service are
 * resolved here; only host names go to the runtime's `sock_getaddrinfo` (ABI spec 6.18).
 *
 * The host call: the layer mallocs GAI_MAX linked `__wasi_addrinfo_t` nodes, each with its
 * own `__wasi_sockaddr_t` and 26-byte sa_data buffer (declared 26, the IPv6 size, so even a
 * runtime that ignores declared sizes cannot overrun) and, with AI_CANONNAME, a 256-byte
 * name buffer; the block is freed before returning. The host is always asked for
 * SOCK_STREAM (WasmEdge has undefined behaviour for raw results of socktype 0) with no
 * service; socket types and ports are then applied here.
 *
 * Ownership: each returned node is one calloc'd block holding its struct addrinfo, the
 * address ai_addr points to and (first node) ai_canonname. freeaddrinfo frees exactly these
 * blocks. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "csock.h"
#include "services.h"

/* `__wasi_sockaddr_t` (ABI spec 3.5) and `__wasi_addrinfo_t` (3.6). */
typedef struct {
    uint8_t family;
    uint8_t pad[3];
    uint32_t sa_data_len;
    uint8_t *sa_data;
} we_sockaddr;
typedef struct we_addrinfo {
    uint16_t flags;
    uint8_t family, socktype, protocol;
    uint8_t pad[3];
    uint32_t addrlen;
    we_sockaddr *addr;
    char *canonname;
    uint32_t canonname_len;
    struct we_addrinfo *next;
} we_addrinfo;
_Static_assert(sizeof(we_sockaddr) == 12, "__wasi_sockaddr_t is 12 bytes");
_Static_assert(sizeof(we_addrinfo) == 28, "__wasi_addrinfo_t is 28 bytes");
_Static_assert(offsetof(we_addrinfo, addrlen) == 8 && offsetof(we_addrinfo, next) == 24,
               "__wasi_addrinfo_t layout");

int32_t __csock_sock_getaddrinfo(const char *node, uint32_t node_len, const char *service,
                                 uint32_t service_len, const we_addrinfo *hints,
                                 we_addrinfo **res, uint32_t max, uint32_t *res_len)
    CSOCK_IMPORT("sock_getaddrinfo");

#define GAI_MAX 16
#define SA_DATA_LEN 26
#define CANON_LEN 256
#define AI_KNOWN (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | \
                  AI_ADDRCONFIG | AI_NUMERICSERV)

struct node {
    struct addrinfo ai;
    csock_sockaddr sa;
    char canon[];
};

/* The (socktype, protocol) pairs each address is returned with. */
struct kinds {
    int n;
    int type[2], proto[2];
};

/* A list being built: head, and where the next node goes. */
struct list {
    struct addrinfo *head, **tail;
    const struct kinds *kinds;
    int port;
    const char *canon;
};

static int add(struct list *l, const csock_sockaddr *sa, socklen_t salen) {
    for (struct addrinfo *p = l->head; p; p = p->ai_next)
        if (p->ai_addrlen == salen && memcmp(p->ai_addr, sa, salen) == 0) return 0;
    for (int k = 0; k < l->kinds->n; k++) {
        size_t cl = l->canon ? strlen(l->canon) + 1 : 0;
        struct node *n = calloc(1, sizeof *n + cl);
        if (!n) return EAI_MEMORY;
        n->sa = *sa;
        if (sa->sa.sa_family == AF_INET) n->sa.in.sin_port = htons((uint16_t)l->port);
        else n->sa.in6.sin6_port = htons((uint16_t)l->port);
        n->ai.ai_family = sa->sa.sa_family;
        n->ai.ai_socktype = l->kinds->type[k];
        n->ai.ai_protocol = l->kinds->proto[k];
        n->ai.ai_addrlen = salen;
        n->ai.ai_addr = &n->sa.sa;
        if (cl) {
            memcpy(n->canon, l->canon, cl);
            n->ai.ai_canonname = n->canon;
            l->canon = NULL; /* only the first node carries it */
        }
        *l->tail = &n->ai;
        l->tail = &n->ai.ai_next;
    }
    return 0;
}

static int add_v4(struct list *l, const void *octets) {
    csock_sockaddr sa;
    memset(&sa, 0, sizeof sa);
    sa.in.sin_family = AF_INET;
    memcpy(&sa.in.sin_addr, octets, 4);
    return add(l, &sa, sizeof sa.in);
}

static int add_v6(struct list *l, const void *octets, uint32_t scope) {
    csock_sockaddr sa;
    memset(&sa, 0, sizeof sa);
    sa.in6.sin6_family = AF_INET6;
    memcpy(&sa.in6.sin6_addr, octets, 16);
    sa.in6.sin6_scope_id = scope;
    return add(l, &sa, sizeof sa.in6);
}

static int kinds_of(const struct addrinfo *h, struct kinds *k) {
    int type = h ? h->ai_socktype : 0, proto = h ? h->ai_protocol : 0;
    k->n = 0;
    if ((type == 0 || type == SOCK_STREAM) && (proto == 0 || proto == IPPROTO_TCP)) {
        k->type[k->n] = SOCK_STREAM, k->proto[k->n++] = IPPROTO_TCP;
    }
    if ((type == 0 || type == SOCK_DGRAM) && (proto == 0 || proto == IPPROTO_UDP)) {
        k->type[k->n] = SOCK_DGRAM, k->proto[k->n++] = IPPROTO_UDP;
    }
    if (k->n) return 0;
    return (type == 0 || type == SOCK_STREAM || type == SOCK_DGRAM) ? EAI_SERVICE : EAI_SOCKTYPE;
}

static int parse_service(const char *s, int flags) {
    if (!s) return 0;
    if (!*s) return EAI_SERVICE;
    unsigned long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && v <= 65535; p++) v = v * 10 + (unsigned long)(*p - '0');
    if (!*p) return v <= 65535 ? (int)v : EAI_SERVICE;
    if (flags & AI_NUMERICSERV) return EAI_NONAME;
    int port = __csock_service_port(s);
    return port < 0 ? EAI_SERVICE : port;
}

/* 1 when add succeeded, else its EAI error. */
static int added(int e) { return e ? e : 1; }

/* Numeric host forms: 1 added, 0 not numeric, < 0 an EAI error. */
static int numeric(struct list *l, const char *node, int family, int flags) {
    struct in_addr a4;
    if (inet_aton(node, &a4)) {
        if (family == AF_INET6) {
            if (!(flags & AI_V4MAPPED)) return EAI_ADDRFAMILY;
            uint8_t m[16] = {0};
            m[10] = m[11] = 0xff;
            memcpy(m + 12, &a4, 4);
            return added(add_v6(l, m, 0));
        }
        return added(add_v4(l, &a4));
    }
    char buf[INET6_ADDRSTRLEN + 16];
    size_t n = strlen(node);
    if (n >= sizeof buf) return 0;
    memcpy(buf, node, n + 1);
    uint32_t scope = 0;
    char *pct = strchr(buf, '%');
    if (pct) {
        *pct = 0;
        const char *d = pct + 1;
        if (!*d) return 0;
        unsigned long long v = 0;
        for (; *d >= '0' && *d <= '9' && v <= 0xffffffffULL; d++) v = v * 10 + (unsigned)(*d - '0');
        if (*d || v > 0xffffffffULL) return EAI_NONAME; /* interface names need if_nametoindex */
        scope = (uint32_t)v;
    }
    struct in6_addr a6;
    if (inet_pton(AF_INET6, buf, &a6) != 1) return pct ? EAI_NONAME : 0;
    if (family == AF_INET) return EAI_ADDRFAMILY;
    return added(add_v6(l, &a6, scope));
}

static int eai_of_wasi(int32_t r) {
    switch (r) {
    case 77: return EAI_ADDRFAMILY;
    case 78: return EAI_AGAIN;
    case 79: return EAI_BADFLAGS;
    case 80: return EAI_FAIL;
    case 81: return EAI_FAMILY;
    case 82: return EAI_MEMORY;
    case 83: return EAI_NODATA;
    case 84: return EAI_NONAME;
    case 85: return EAI_SERVICE;
    case 86: return EAI_SOCKTYPE;
    default: errno = r; return EAI_SYSTEM; /* e.g. EACCES: a network policy denied it */
    }
}

/* Everything the host call needs, in one block owned by this call. */
struct gai_block {
    we_addrinfo hints, nodes[GAI_MAX];
    we_sockaddr addrs[GAI_MAX];
    uint8_t data[GAI_MAX][SA_DATA_LEN];
    char canon[GAI_MAX][CANON_LEN];
};

static int host_lookup(struct list *l, const char *node, int family, int flags) {
    struct gai_block *b = calloc(1, sizeof *b);
    if (!b) return EAI_MEMORY;
    int want_canon = (flags & AI_CANONNAME) != 0;
    b->hints.flags = (uint16_t)((want_canon ? 0x02 : 0) | (flags & AI_V4MAPPED ? 0x10 : 0) |
                                (flags & AI_ALL ? 0x20 : 0) | (flags & AI_ADDRCONFIG ? 0x40 : 0));
    b->hints.family = family == AF_INET ? CSOCK_WE_INET4 : family == AF_INET6 ? CSOCK_WE_INET6 : 0;
    b->hints.socktype = CSOCK_WE_STREAM;
    for (int i = 0; i < GAI_MAX; i++) {
        b->addrs[i].sa_data = b->data[i];
        b->addrs[i].sa_data_len = SA_DATA_LEN;
        b->nodes[i].addr = &b->addrs[i];
        b->nodes[i].canonname = want_canon ? b->canon[i] : NULL;
        b->nodes[i].canonname_len = want_canon ? CANON_LEN : 0;
        b->nodes[i].next = i + 1 < GAI_MAX ? &b->nodes[i + 1] : NULL;
    }
    we_addrinfo *first = &b->nodes[0];
    uint32_t count = 0;
    int32_t r = __csock_sock_getaddrinfo(node, (uint32_t)strlen(node), NULL, 0, &b->hints, &first,
                                         GAI_MAX, &count);
    int err = r ? eai_of_wasi(r) : 0;
    if (count > GAI_MAX) count = GAI_MAX;
    char canon[CANON_LEN] = {0};
    for (uint32_t i = 0; !err && i < count; i++) {
        if (want_canon && !canon[0] && b->nodes[i].canonname_len) {
            memcpy(canon, b->canon[i], CANON_LEN - 1); /* the array is NUL-terminated */
        }
    }
    if (want_canon) l->canon = canon[0] ? canon : node;
    for (uint32_t i = 0; !err && i < count; i++) {
        uint32_t len = b->addrs[i].sa_data_len < SA_DATA_LEN ? b->addrs[i].sa_data_len : SA_DATA_LEN;
        csock_sockaddr sa;
        socklen_t salen = __csock_from_sa_data(b->addrs[i].family, b->data[i], len, &sa);
        if (!salen || (family && sa.sa.sa_family != family)) continue;
        err = add(l, &sa, salen);
    }
    l->canon = NULL;
    free(b);
    return err;
}

int getaddrinfo(const char *__restrict node, const char *__restrict service,
                const struct addrinfo *__restrict hints, struct addrinfo **__restrict res) {
    if (!res) {
        errno = EFAULT;
        return EAI_SYSTEM;
    }
    *res = NULL;
    int flags = hints ? hints->ai_flags : 0, family = hints ? hints->ai_family : AF_UNSPEC;
    if (flags & ~AI_KNOWN) return EAI_BADFLAGS;
    if (!node && !service) return EAI_NONAME;
    if (!node && (flags & AI_CANONNAME)) return EAI_BADFLAGS;
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return EAI_FAMILY;
    struct kinds kinds;
    int e = kinds_of(hints, &kinds);
    if (e) return e;
    int port = parse_service(service, flags);
    if (port < 0) return port;
    struct list l = {NULL, &l.head, &kinds, port, NULL};
    static const uint8_t any6[16], lo6[16] = {[15] = 1}, any4[4], lo4[4] = {127, 0, 0, 1};
    if (!node) {
        int passive = flags & AI_PASSIVE;
        if (family != AF_INET) e = add_v6(&l, passive ? any6 : lo6, 0);
        if (!e && family != AF_INET6) e = add_v4(&l, passive ? any4 : lo4);
    } else if (!*node) {
        e = EAI_NONAME;
    } else {
        if (flags & AI_CANONNAME) l.canon = node;
        int n = numeric(&l, node, family, flags);
        if (n < 0) e = n;
        else if (n == 0 && (flags & AI_NUMERICHOST)) e = EAI_NONAME;
        else if (n == 0) e = host_lookup(&l, node, family, flags);
    }
    if (!e && !l.head) e = EAI_NONAME;
    if (e) {
        freeaddrinfo(l.head);
        return e;
    }
    *res = l.head;
    return 0;
}

void freeaddrinfo(struct addrinfo *ai) {
    while (ai) {
        struct addrinfo *next = ai->ai_next;
        free((struct node *)ai); /* ai is the first member of its node block */
        ai = next;
    }
}

const char *gai_strerror(int e) {
    switch (e) {
    case 0: return "Success";
    case EAI_BADFLAGS: return "Invalid flags";
    case EAI_NONAME: return "Name does not resolve";
    case EAI_AGAIN: return "Try again";
    case EAI_FAIL: return "Non-recoverable error";
    case EAI_NODATA: return "Name has no usable address";
    case EAI_FAMILY: return "Unrecognized address family or invalid length";
    case EAI_SOCKTYPE: return "Unrecognized socket type";
    case EAI_SERVICE: return "Unrecognized service";
    case EAI_ADDRFAMILY: return "Address family for name not supported";
    case EAI_MEMORY: return "Out of memory";
    case EAI_SYSTEM: return "System error";
    case EAI_OVERFLOW: return "Overflow";
    default: return "Unknown error";
    }
}
