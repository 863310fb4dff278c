/* Trainer log step lines with no timestamp (issue 35, deliverable 4): many
 * Megatron forks print none on their iteration lines. Without
 * --untimed collection such a line is a bad line, as before; with it the
 * line takes the collection time and its cumulative count bills, under
 * the high-water mark, what was consumed since the previous collection.
 * A stamped line keeps its own time, and the consumed-samples bound still
 * holds (trainer_log.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest_run.h"

#include "ingest/trainer_log.h"

/* The real Megatron-LLM iteration lines of its issue 11 (see its .source). */
#define ISSUE11 "tests/fixtures/real/trainer-logs/megatron-llm-consumed-samples-issue11.log"

/* One collection of text at when; the lines accepted, bad ones in *bad. */
static long collect_at(struct run *r, const char *text, bool untimed, const char *when,
                       long *bad)
{
    struct trainer_log_opts o = {TRAINER_LOG_MEGATRON, "m", "a", 8 * MS_PER_HOUR, 2048, 0,
                                 untimed};
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    cy.max_future_ms = 900 * MS_PER_SECOND;
    struct rejects rep = {.origin = "t"};
    long accepted = trainer_log_collect(&cy, text, strlen(text), &o, &rep);
    cycle_end(r, &cy);
    *bad = rep.bad;
    return accepted;
}

/* The round's lines accepted, bad lines and events, or a failure message
 * saying both. */
static void expect_round(const struct run *r, const char *what, long n, long bad, long want_n,
                         long want_bad, int want_events)
{
    if (n != want_n || bad != want_bad || r->n != want_events)
        fail_msg("%s: expected %ld lines accepted, %ld bad, %d events; got %ld, %ld, %d", what,
                 want_n, want_bad, want_events, n, bad, r->n);
}

/* Event i's tokens and window, or a failure message saying both. */
static void expect_event(const struct run *r, int i, int64_t tokens, const char *start,
                         const char *end)
{
    assert_true(i < r->n);
    const struct usage_event *e = &r->ev[i];
    if (e->tokens != tokens || e->start_ms != at(start) || e->end_ms != at(end))
        fail_msg("event %d: expected %lld tokens from %s to %s; got %lld from %lld to %lld ms", i,
                 (long long)tokens, start, end, (long long)e->tokens, (long long)e->start_ms,
                 (long long)e->end_ms);
}

/* Issue 11's four lines (consumed samples 124928 to 128000, +1024 each):
 * with the flag, one event at the collection time of the highest count,
 * 128000 x 2048 = 262,144,000 tokens, the job's first (its window starts
 * where it ends, as every first count). Before the flag, every line was a
 * bad line and nothing billed. */
static void test_untimed_lines_take_collection_time(void **state)
{
    struct run *r = *state;
    struct strbuf log = STRBUF_INIT;
    assert_true(file_read_all(ISSUE11, &log));
    /* without the flag the refusal stays: four bad lines, no event */
    long bad, n = collect_at(r, log.buf, false, "2026-11-01T00:00:00Z", &bad);
    expect_round(r, "without the flag", n, bad, 0, 4, 0);
    n = collect_at(r, log.buf, true, "2026-11-01T00:00:00Z", &bad);
    expect_round(r, "first collection", n, bad, 4, 0, 1);
    const char *t = "2026-11-01T00:00:00Z";
    expect_event(r, 0, 262144000, t, t);

    /* A later collection re-reads the log with iteration 126 appended: it
     * bills its 1024 samples only, over the time since the previous
     * collection (re-read lines do not move the job's time). */
    sb_puts(&log, " iteration      126/  250000 | consumed samples:       129024 | "
                  "global batch size:  1024 |\n");
    n = collect_at(r, log.buf, true, "2026-11-01T00:10:00Z", &bad);
    expect_round(r, "second collection", n, bad, 5, 0, 1);
    expect_event(r, 0, 1024LL * 2048, t, "2026-11-01T00:10:00Z");

    /* A third with nothing new bills nothing. */
    n = collect_at(r, log.buf, true, "2026-11-01T00:20:00Z", &bad);
    expect_round(r, "third collection", n, bad, 5, 0, 0);
    sb_free(&log);
}

/* A log whose build starts stamping midway, collected twice. Round 1: the
 * unstamped line before the stamped one was consumed before it and bills
 * nothing, nor moves the job's time to the collection's (00:10Z). Round 2
 * (lines appended): the stamped line keeps its own time, its window from
 * the last stamped time (00:00Z, not 00:10Z); the unstamped line above
 * iteration x the largest global batch (5 x 1024) is still a bad line that
 * leaves the mark where it was; the last unstamped count bills from the
 * last stamped time to the collection (00:30Z). 08:00 at +08:00 is 00:00Z. */
static const char stamped_later_log[] =
    " iteration 1/ 9 | consumed samples: 1024 | global batch size: 1024 |\n"
    " [2026-11-01 08:00:00] iteration 2/ 9 | consumed samples: 2048 | global batch size: 1024 |\n";
static const char appended[] =
    " [2026-11-01 08:20:00] iteration 3/ 9 | consumed samples: 3072 | global batch size: 1024 |\n"
    " iteration 5/ 9 | consumed samples: 999999 | global batch size: 1024 |\n"
    " iteration 4/ 9 | consumed samples: 4096 | global batch size: 1024 |\n";

static void test_untimed_mixed_with_stamped(void **state)
{
    struct run *r = *state;
    long bad, n = collect_at(r, stamped_later_log, true, "2026-11-01T00:10:00Z", &bad);
    expect_round(r, "first collection", n, bad, 2, 0, 1);
    expect_event(r, 0, 2048LL * 2048, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z");
    char more[512];
    snprintf(more, sizeof more, "%s%s", stamped_later_log, appended);
    n = collect_at(r, more, true, "2026-11-01T00:30:00Z", &bad);
    expect_round(r, "second collection", n, bad, 4, 1, 2);
    expect_event(r, 0, 1024LL * 2048, "2026-11-01T00:00:00Z", "2026-11-01T00:20:00Z");
    expect_event(r, 1, 1024LL * 2048, "2026-11-01T00:20:00Z", "2026-11-01T00:30:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_untimed_lines_take_collection_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untimed_mixed_with_stamped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
