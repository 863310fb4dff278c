/* cycle: sequencing, signing and encoding of collected events (see cycle.h). */
#include "ingest/cycle.h"

#include "core/signature.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

void cycle_emit(struct cycle *cy, const char *node, struct usage_event *ev)
{
    if (node && *node)
        snprintf(ev->source, sizeof ev->source, "%s/%s/%s", cy->kind, cy->cluster, node);
    else
        snprintf(ev->source, sizeof ev->source, "%s/%s", cy->kind, cy->cluster);
    snprintf(ev->cluster, sizeof ev->cluster, "%s", cy->cluster);
    snprintf(ev->site, sizeof ev->site, "%s", cy->site);
    char key[160];
    snprintf(key, sizeof key, "seq %s", ev->source);
    struct state_entry *e = state_get(cy->state, key, NULL);
    e->v[0] = e->v[0] < 0 ? 1 : e->v[0] + 1;
    e->touched_ms = cy->at_ms;
    ev->seq = e->v[0];
    ev->sig[0] = '\0';
    if (cy->hmac_key) signature_sign(ev, cy->hmac_key);
    sb_puts(&cy->out, ev->source);
    sb_putc(&cy->out, '\t');
    event_encode(ev, &cy->out);
    sb_putc(&cy->out, '\n');
    cy->events++;
}

bool cycle_ident_valid(const char *s, size_t cap)
{
    size_t n = strlen(s);
    return n > 0 && n < cap && !utf8_ident_problem(s, n);
}
