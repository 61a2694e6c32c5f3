/* Service names and protocols without /etc/services (a WASI guest has none): a small fixed
 * table, used by getaddrinfo, getnameinfo, getservbyname, getservbyport, getprotobyname. */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

static const struct {
    const char *name;
    int port;
} table[] = {
    {"echo", 7},     {"ftp", 21},         {"ssh", 22},    {"telnet", 23},
    {"smtp", 25},    {"domain", 53},      {"http", 80},   {"pop3", 110},
    {"ntp", 123},    {"imap", 143},       {"https", 443}, {"submission", 587},
    {"imaps", 993},  {"mysql", 3306},     {"postgresql", 5432},
    {"redis", 6379}, {"http-alt", 8080},  {"memcache", 11211},
};

int __csock_service_port(const char *name) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) return table[i].port;
    return -1;
}

const char *__csock_service_name(int port) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].port == port) return table[i].name;
    return NULL;
}

static struct servent serv;
static char *no_aliases[1];

static struct servent *fill(const char *name, int port, const char *proto) {
    serv.s_name = (char *)name;
    serv.s_aliases = no_aliases;
    serv.s_port = (int)htons((uint16_t)port);
    serv.s_proto = (char *)(proto && strcmp(proto, "udp") == 0 ? "udp" : "tcp");
    return &serv;
}

struct servent *getservbyname(const char *name, const char *proto) {
    if (!name) return NULL;
    int port = __csock_service_port(name);
    return port < 0 ? NULL : fill(__csock_service_name(port), port, proto);
}

struct servent *getservbyport(int port_be, const char *proto) {
    int port = ntohs((uint16_t)port_be);
    const char *name = __csock_service_name(port);
    return name ? fill(name, port, proto) : NULL;
}

static struct protoent proto_ent;

static struct protoent *proto(const char *name, int num) {
    proto_ent.p_name = (char *)name;
    proto_ent.p_aliases = no_aliases;
    proto_ent.p_proto = num;
    return &proto_ent;
}

struct protoent *getprotobyname(const char *name) {
    if (!name) return NULL;
    if (strcmp(name, "tcp") == 0) return proto("tcp", IPPROTO_TCP);
    if (strcmp(name, "udp") == 0) return proto("udp", IPPROTO_UDP);
    if (strcmp(name, "ip") == 0) return proto("ip", IPPROTO_IP);
    return NULL;
}

struct protoent *getprotobynumber(int num) {
    switch (num) {
    case IPPROTO_TCP: return proto("tcp", num);
    case IPPROTO_UDP: return proto("udp", num);
    case IPPROTO_IP: return proto("ip", num);
    default: return NULL;
    }
}
