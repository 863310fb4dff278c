/* fetch: scrapes many HTTP endpoints at once with libcurl.
 *
 * URLs may be http, https or file (an exporter's textfile). fetch_all fetches
 * every URL in parallel, each bounded by timeout_ms and a
 * body limit; a URL that fails (connection, timeout, non-2xx status, body
 * too large) has ok = false and a one-line error.
 * Not thread-safe: fetch_all initialises libcurl on first use, so call it
 * from one thread (the collector's). */
#ifndef GPUMETER_FETCH_H
#define GPUMETER_FETCH_H

#include "core/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

#define FETCH_MAX_BODY (64u << 20)

struct fetch {
    const char *url;
    struct strbuf body;
    bool ok;
    char error[256];
};

void fetch_all(struct fetch *f, size_t n, long timeout_ms);

#endif
