/* console: the web console's static files, embedded in the binary at build
 * time (console/embed.sh), as the schema migrations are. `gpumeter serve`
 * answers `/` with index.html and `/console/NAME` with the rest; the pages
 * read only the API's own JSON (docs/console.md). Read-only data:
 * thread-safe. */
#ifndef GPUMETER_CONSOLE_H
#define GPUMETER_CONSOLE_H

#include <stddef.h>

struct console_asset {
    const char *name; /* as served under /console/, e.g. "app.js" */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
};

extern const struct console_asset console_assets[];
extern const int console_asset_count;

/* The asset served at url ("/" is index.html), or NULL. */
const struct console_asset *console_find(const char *url);

#endif
