/* listen: "ADDR:PORT" for the HTTP servers gpumeter runs (IPv4).
 *
 * A bare "PORT" or ":PORT" binds to 127.0.0.1: a server listens beyond
 * the machine only when told an address. Thread-safe. */
#ifndef GPUMETER_LISTEN_H
#define GPUMETER_LISTEN_H

#include <netinet/in.h>
#include <stdbool.h>

/* False after logging which flag (e.g. "--listen") was malformed. */
bool listen_parse(const char *spec, const char *flag, struct sockaddr_in *out);

#endif
