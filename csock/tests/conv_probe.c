/* Prints the socket layer's address conversions so a Rust test can compare them byte for
 * byte with netaddr's (runtime-glue/tests/sockets/csock/conv.rs). Arguments are commands:
 *   to_storage SOCKADDR_HEX SOCKLEN  -> "storage <128 bytes hex> port <n>" | "errno <n>"
 *   from_storage STORAGE_HEX PORT    -> "sockaddr <hex of the full length>"
 *   from_sa_data FAMILY SA_DATA_HEX  -> "sockaddr <hex>" | "none"
 * one output line per command. Runs under any WASI runtime (no socket import is called). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csock.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        char b[3] = {s[0], s[1], 0};
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

static void hex(const char *label, const void *p, size_t n) {
    printf("%s ", label);
    for (size_t i = 0; i < n; i++) printf("%02x", ((const uint8_t *)p)[i]);
}

int main(int argc, char **argv) {
    for (int i = 1; i + 2 < argc; i += 3) {
        const char *cmd = argv[i], *a = argv[i + 1], *b = argv[i + 2];
        if (strcmp(cmd, "to_storage") == 0) {
            csock_sockaddr sa; /* aligned like the real structs */
            memset(&sa, 0, sizeof sa);
            unhex(a, (uint8_t *)&sa, sizeof sa);
            csock_storage st;
            uint32_t port = 0;
            int e = __csock_to_storage(&sa.sa, (socklen_t)atoi(b), &st, &port);
            if (e) printf("errno %d", e);
            else hex("storage", st.b, sizeof st.b), printf(" port %u", (unsigned)port);
        } else if (strcmp(cmd, "from_storage") == 0) {
            csock_storage st;
            memset(&st, 0, sizeof st);
            unhex(a, st.b, sizeof st.b);
            csock_sockaddr out;
            socklen_t n = __csock_from_storage(&st, (uint32_t)atoi(b), &out);
            hex("sockaddr", &out, n);
        } else if (strcmp(cmd, "from_sa_data") == 0) {
            uint8_t data[64];
            size_t n = unhex(b, data, sizeof data);
            csock_sockaddr out;
            socklen_t len = __csock_from_sa_data((uint32_t)atoi(a), data, (uint32_t)n, &out);
            if (len) hex("sockaddr", &out, len);
            else printf("none");
        } else {
            printf("unknown %s", cmd);
        }
        printf("\n");
    }
    return 0;
}
