/* Internal: the fixed service table (services.c). */
#ifndef FDVIRT_CSOCK_SERVICES_H
#define FDVIRT_CSOCK_SERVICES_H
/* Port of a service name, -1 if unknown. */
int __csock_service_port(const char *name);
/* Name of a port, NULL if unknown. */
const char *__csock_service_name(int port);
#endif
