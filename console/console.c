/* console: see console.h. */
#include "console/console.h"

#include <string.h>

const struct console_asset *console_find(const char *url)
{
    const char *name = !strcmp(url, "/")               ? "index.html"
                       : !strncmp(url, "/console/", 9) ? url + 9
                                                       : NULL;
    for (int i = 0; name && i < console_asset_count; i++)
        if (!strcmp(console_assets[i].name, name)) return &console_assets[i];
    return NULL;
}
