/* ingest_run: the unit tests' one way to run a collector round on a fixture
 * of tests/fixtures/ingest and decode its events (usage, capacity and health, each
 * checked against the event contract), shared by test_ingest.c,
 * test_ingest_vendors.c, test_hami.c and test_mlu.c. Include after cmocka.h. */
#ifndef GPUMETER_TEST_INGEST_RUN_H
#define GPUMETER_TEST_INGEST_RUN_H

#include "core/event.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "ingest/cycle.h"
#include "ingest/device.h"
#include "ingest/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURES   "tests/fixtures/ingest/"
#define MAX_EVENTS 64

struct run {
    struct state state;
    struct usage_event ev[MAX_EVENTS]; /* usage */
    int n;
    struct usage_event cap[MAX_EVENTS]; /* capacity, in order */
    int ncap;
    struct usage_event hea[MAX_EVENTS]; /* health (collect --health), in order */
    int nhea;
    bool health;                         /* run the rounds with --health */
    struct cycle_stats st;
    long bad, refused;
    long pods_bad; /* collect hami --pods: the pods file's rejects */
    const struct account_map *map; /* test_hami: the operator's account map, or NULL */
};

typedef void (*parser)(const char *text, size_t len, struct device_source *src);

static inline int64_t at(const char *s)
{
    int64_t ms;
    assert_true(time_parse_rfc3339(s, &ms));
    return ms;
}

static inline void read_fixture(const char *name, struct strbuf *sb)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURES "%s", name);
    sb_reset(sb);
    assert_true(file_read_all(path, sb));
}

static inline void cycle_start(struct run *r, struct cycle *cy, int64_t at_ms)
{
    memset(cy, 0, sizeof *cy);
    cy->state = &r->state;
    cy->at_ms = at_ms;
    cy->max_gap_ms = 300000;
    cy->kind = "t";
    cy->cluster = "c1";
    cy->site = "s1";
    cy->health = r->health;
}

/* Decodes the round's events (they must all pass the event contract). */
static inline void cycle_end(struct run *r, struct cycle *cy)
{
    r->n = r->ncap = r->nhea = 0;
    for (char *p = cy->out.buf; p && *p;) {
        char *nl = strchr(p, '\n'), *tab = strchr(p, '\t'), why[200];
        struct usage_event ev;
        assert_non_null(nl);
        assert_true(r->n < MAX_EVENTS && r->ncap < MAX_EVENTS && r->nhea < MAX_EVENTS);
        assert_int_equal(event_decode(tab + 1, (size_t)(nl - tab - 1), &ev, why, sizeof why),
                         EVENT_OK);
        if (ev.kind == EVENT_KIND_CAPACITY)
            r->cap[r->ncap++] = ev;
        else if (ev.kind == EVENT_KIND_HEALTH)
            r->hea[r->nhea++] = ev;
        else
            r->ev[r->n++] = ev;
        p = nl + 1;
    }
    r->st = cy->st;
    sb_free(&cy->out);
}

/* One round over text at when, as the collector runs one: parse, meter. */
static inline void scrape_text(struct run *r, parser parse, const char *text, size_t len,
                        const char *origin, const char *when, const struct account_map *map,
                        const char *account)
{
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    struct device_set set = {0};
    struct rejects rep = {.origin = origin};
    struct device_source src = {"this-host", false, "unknown", account, map, &set, &rep};
    parse(text, len, &src);
    device_meter(&cy, &set);
    device_set_free(&set);
    cy.st.bad_lines += rep.bad; /* as the collector adds them: device_meter counts its own */
    cycle_end(r, &cy);
    r->bad = rep.bad;
}

static inline void scrape(struct run *r, parser parse, const char *file, const char *when,
                   const struct account_map *map, const char *account)
{
    struct strbuf in = STRBUF_INIT;
    read_fixture(file, &in);
    scrape_text(r, parse, in.buf, in.len, file, when, map, account);
    sb_free(&in);
}

static inline int setup(void **state)
{
    struct run *r = calloc(1, sizeof *r);
    state_init(&r->state);
    *state = r;
    return 0;
}

static inline int teardown(void **state)
{
    struct run *r = *state;
    state_free(&r->state);
    free(r);
    return 0;
}

#endif
