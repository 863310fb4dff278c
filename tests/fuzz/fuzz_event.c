/* The usage event codec, checked as properties rather than only for
 * crashes: every event the decoder accepts has identifier strings that
 * PostgreSQL stores unchanged (strict UTF-8, no control or bidirectional
 * formatting characters, core/utf8.h), and its canonical encoding decodes
 * to the same event and encodes to the same bytes again. A capacity event
 * never carries an account, never more allocated time than it installed; a
 * health event never an account nor a quantity, and says why unless up. */
#include "core/event.h"
#include "core/utf8.h"
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>
#include <string.h>

static void check_ident(const char *s)
{
    if (utf8_ident_problem(s, strlen(s))) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct usage_event ev, again;
    char why[256];
    if (event_decode((const char *)data, size, &ev, why, sizeof why) != EVENT_OK) return 0;
    const char *strings[] = {ev.source, ev.account, ev.cluster, ev.site, ev.model,
                             ev.vendor, ev.job,     ev.node,    ev.sig,  ev.device};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        check_ident(strings[i]);
    if (!ev.source[0] || !ev.cluster[0] || !ev.site[0] || ev.seq < 1) __builtin_trap();
    /* usage names its account; capacity its node and devices, no account;
     * health its node and device, no account, and a reason unless up */
    bool capacity = ev.kind == EVENT_KIND_CAPACITY, health = ev.kind == EVENT_KIND_HEALTH;
    if (capacity ? !ev.node[0] || ev.account[0] || ev.devices < 1 ||
                       ev.allocated_ms > ev.devices * (ev.end_ms - ev.start_ms)
        : health ? !ev.node[0] || !ev.device[0] || ev.account[0] || ev.has ||
                       (ev.state == HEALTH_UP) != (ev.nreasons == 0) ||
                       ev.nreasons > EVENT_MAX_REASONS
                 : !ev.account[0] || ev.node[0] || ev.device[0])
        __builtin_trap();
    for (int k = 0; k < ev.nreasons; k++)
        check_ident(ev.reasons[k]);
    struct strbuf one = STRBUF_INIT, two = STRBUF_INIT;
    event_encode(&ev, &one);
    if (event_decode(one.buf, one.len, &again, why, sizeof why) != EVENT_OK) __builtin_trap();
    if (memcmp(&ev, &again, sizeof ev)) __builtin_trap();
    event_encode(&again, &two);
    if (one.len != two.len || memcmp(one.buf, two.buf, one.len)) __builtin_trap();
    sb_free(&one);
    sb_free(&two);
    return 0;
}
