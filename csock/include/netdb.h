/* fdvirt socket layer: <netdb.h>, which wasi-libc does not ship for WASI preview1.
 *
 * Values follow musl (and so Linux): AI_*, NI_*, negative EAI_* codes. Names are resolved
 * by the runtime's `sock_getaddrinfo` (WasmEdge ABI); numeric hosts, NULL hosts and port
 * numbers are handled inside the layer without a host call.
 *
 * Memory: every node getaddrinfo returns is ONE malloc'd block holding the struct addrinfo,
 * the address ai_addr points to, and (first node only) the ai_canonname string.
 * freeaddrinfo(list) frees exactly those blocks; never free ai_addr or ai_canonname
 * yourself, and never pass freeaddrinfo a list you built. gethostbyname, getservbyname and
 * getservbyport return static storage overwritten by the next call (POSIX). */
#ifndef FDVIRT_CSOCK_NETDB_H
#define FDVIRT_CSOCK_NETDB_H
#pragma GCC system_header

#include <sys/socket.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

struct addrinfo {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    socklen_t ai_addrlen;
    struct sockaddr *ai_addr;
    char *ai_canonname;
    struct addrinfo *ai_next;
};

#define AI_PASSIVE 0x01
#define AI_CANONNAME 0x02
#define AI_NUMERICHOST 0x04
#define AI_V4MAPPED 0x08
#define AI_ALL 0x10
#define AI_ADDRCONFIG 0x20
#define AI_NUMERICSERV 0x400

#define NI_NUMERICHOST 0x01
#define NI_NUMERICSERV 0x02
#define NI_NOFQDN 0x04
#define NI_NAMEREQD 0x08
#define NI_DGRAM 0x10
#define NI_NUMERICSCOPE 0x100
#define NI_MAXHOST 255
#define NI_MAXSERV 32

#define EAI_BADFLAGS -1
#define EAI_NONAME -2
#define EAI_AGAIN -3
#define EAI_FAIL -4
#define EAI_NODATA -5
#define EAI_FAMILY -6
#define EAI_SOCKTYPE -7
#define EAI_SERVICE -8
#define EAI_ADDRFAMILY -9
#define EAI_MEMORY -10
#define EAI_SYSTEM -11
#define EAI_OVERFLOW -12

int getaddrinfo(const char *__restrict, const char *__restrict,
                const struct addrinfo *__restrict, struct addrinfo **__restrict);
void freeaddrinfo(struct addrinfo *);
const char *gai_strerror(int);
int getnameinfo(const struct sockaddr *__restrict, socklen_t, char *__restrict, socklen_t,
                char *__restrict, socklen_t, int);

struct hostent {
    char *h_name;
    char **h_aliases;
    int h_addrtype;
    int h_length;
    char **h_addr_list;
};
#define h_addr h_addr_list[0]

struct servent {
    char *s_name;
    char **s_aliases;
    int s_port;
    char *s_proto;
};

struct protoent {
    char *p_name;
    char **p_aliases;
    int p_proto;
};

#define HOST_NOT_FOUND 1
#define TRY_AGAIN 2
#define NO_RECOVERY 3
#define NO_DATA 4
#define NO_ADDRESS NO_DATA

extern int h_errno;
struct hostent *gethostbyname(const char *);
struct hostent *gethostbyname2(const char *, int);
const char *hstrerror(int);
struct servent *getservbyname(const char *, const char *);
struct servent *getservbyport(int, const char *);
struct protoent *getprotobyname(const char *);
struct protoent *getprotobynumber(int);

#ifdef __cplusplus
}
#endif

#endif
