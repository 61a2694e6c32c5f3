/* fdvirt socket layer: wasi-libc's `struct sockaddr_un` with the `sun_path` it lacks.
 *
 * wasi-libc's <sys/un.h> includes <__struct_sockaddr_un.h> by angle brackets, so this file
 * (found first through the layer's -I directory) replaces its member-less struct with the
 * POSIX one: 2-byte family, 108 path bytes (Linux's size). Same guard as wasi-libc's, so
 * whichever is included first wins and the other is skipped. */
#ifndef __wasilibc___struct_sockaddr_un_h
#define __wasilibc___struct_sockaddr_un_h

#define __need_STDDEF_H_misc
#include <stddef.h>

#include <__typedef_sa_family_t.h>

struct sockaddr_un {
    _Alignas(max_align_t) sa_family_t sun_family;
    char sun_path[108];
};

#endif
