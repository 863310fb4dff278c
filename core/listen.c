/* listen: parses "ADDR:PORT" (see listen.h). */
#include "listen.h"

#include "log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool listen_parse(const char *spec, const char *flag, struct sockaddr_in *out)
{
    char host[64] = "127.0.0.1", tail;
    unsigned port;
    const char *colon = strrchr(spec, ':'), *digits = colon ? colon + 1 : spec;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    if ((colon && colon - spec >= (long)sizeof host) || !*digits ||
        strspn(digits, "0123456789") != strlen(digits) ||
        sscanf(digits, "%5u%c", &port, &tail) != 1 || port == 0 || port > 65535) {
        log_error("%s must look like 127.0.0.1:9477 (or a port alone, for 127.0.0.1)", flag);
        return false;
    }
    if (colon && colon > spec) {
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
    }
    if (inet_pton(AF_INET, host, &out->sin_addr) != 1) {
        log_error("%s needs an IPv4 address, not \"%s\"", flag, host);
        return false;
    }
    out->sin_port = htons((uint16_t)port);
    return true;
}
