/* Token counts that cannot be true (issue 35 review): a report or trainer
 * log line stamped after the collection time plus the allowed clock skew,
 * a Megatron count above what its iterations could consume, a torchtitan
 * step no run reaches. Each is a bad line with its reason, never billed,
 * and leaves the job's high-water mark where it was, so the valid lines
 * after it still bill (tokens.h, trainer_log.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest_run.h"

#include "ingest/tokens.h"
#include "ingest/trainer_log.h"

#define SKEW_MS (900 * MS_PER_SECOND) /* rating.max_future_s's default */

/* One round at when over a log (o) or JSON lines (o NULL); the lines
 * accepted, the bad ones in *bad and the first bad line's reason in why. */
static long round_of(struct run *r, const char *text, const struct trainer_log_opts *o,
                     const char *when, long *bad)
{
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    cy.max_future_ms = SKEW_MS;
    struct rejects rep = {.origin = "t"};
    long accepted = o ? trainer_log_collect(&cy, text, strlen(text), o, &rep)
                      : tokens_collect(&cy, text, strlen(text), &rep);
    cycle_end(r, &cy);
    *bad = rep.bad;
    return accepted;
}

/* The tokens of the round's events, "a b c", for a failure message. */
static const char *tokens_of(const struct run *r)
{
    static char s[512];
    s[0] = '\0';
    for (int i = 0; i < r->n; i++)
        snprintf(s + strlen(s), sizeof s - strlen(s), "%s%lld", i ? " " : "",
                 (long long)r->ev[i].tokens);
    return s;
}

static void expect_tokens(const struct run *r, const char *what, long accepted, long bad,
                          long want_accepted, long want_bad, const char *want)
{
    if (accepted != want_accepted || bad != want_bad || strcmp(tokens_of(r), want))
        fail_msg("%s: expected %ld lines accepted, %ld bad, events of tokens \"%s\"; got %ld, "
                 "%ld, \"%s\"",
                 what, want_accepted, want_bad, want, accepted, bad, tokens_of(r));
}

/* Collected at 2026-11-01T00:00:00Z (+08:00 log): the line stamped
 * 00:15:00 UTC is at the allowance, accepted; 00:15:01 and year 9999 are
 * after it. The future lines bill nothing and do not raise the mark, so
 * the last line bills its 1024 samples past line 1. Before, the year-9999
 * line billed 2 x 1024 x 4096 tokens in an event ending in 9999 and every
 * later line was below its mark. */
static const char future_log[] =
    "  global_batch_size ............................... 1024\n"
    "  seq_length ...................................... 4096\n"
    " [2026-11-01 07:50:00] iteration 1/ 9 | consumed samples: 1024 | global batch size: 1024 |\n"
    " [9999-12-31 23:59:59] iteration 3/ 9 | consumed samples: 3072 | global batch size: 1024 |\n"
    " [2026-11-01 08:15:01] iteration 3/ 9 | consumed samples: 3072 | global batch size: 1024 |\n"
    " [2026-11-01 08:15:00] iteration 2/ 9 | consumed samples: 2048 | global batch size: 1024 |\n";

static void test_trainer_log_future_line_is_bad(void **state)
{
    struct run *r = *state;
    struct trainer_log_opts o = {TRAINER_LOG_MEGATRON, "j", "a", 8 * MS_PER_HOUR, 0, 0, false};
    long bad, n = round_of(r, future_log, &o, "2026-11-01T00:00:00Z", &bad);
    expect_tokens(r, "megatron lines from the future", n, bad, 2, 2, "4194304 4194304");
    assert_int_equal(r->ev[1].end_ms, at("2026-11-01T00:15:00Z"));
}

/* The same rule for JSON token reports: a report stamped after the
 * collection time plus the allowance is a bad line, the mark unmoved. */
static const char future_reports[] =
    "{\"job\":\"j\",\"account\":\"a\",\"tokens\":100,\"time\":\"2026-10-31T23:00:00Z\"}\n"
    "{\"job\":\"j\",\"account\":\"a\",\"tokens\":9000000,\"time\":\"9999-12-31T23:59:59Z\"}\n"
    "{\"job\":\"j\",\"account\":\"a\",\"tokens\":300,\"time\":\"2026-11-01T00:15:01Z\"}\n"
    "{\"job\":\"j\",\"account\":\"a\",\"tokens\":250,\"time\":\"2026-11-01T00:15:00Z\"}\n";

static void test_token_report_future_is_bad(void **state)
{
    struct run *r = *state;
    long bad, n = round_of(r, future_reports, NULL, "2026-11-01T00:00:00Z", &bad);
    expect_tokens(r, "token reports from the future", n, bad, 2, 2, "100 150");
    /* collected later, the report stamped 00:15:01 is no longer ahead: it
     * bills its 50 past the mark that the future lines did not move */
    n = round_of(r, "{\"job\":\"j\",\"account\":\"a\",\"tokens\":300,"
                    "\"time\":\"2026-11-01T00:15:01Z\"}\n",
                 NULL, "2026-11-01T01:00:00Z", &bad);
    expect_tokens(r, "the same report collected later", n, bad, 1, 0, "50");
}

/* One absurd consumed samples (2^40 at iteration 123 of a 1024 global
 * batch: above 123 x 1024) is a bad line and leaves the mark at line 1's
 * 124,928, so line 3, exactly at its bound (124 x 1024), bills its
 * 2 x 1024 samples x 2048. Before, the absurd line billed 2^40 x 2048
 * tokens and line 3 nothing. */
static const char absurd_log[] =
    "  global_batch_size ............................... 1024\n"
    "  seq_length ...................................... 2048\n"
    " [2024-05-10 07:38:56] iteration      122/  250000 | consumed samples:       124928 | "
    "global batch size:  1024 |\n"
    " [2024-05-10 07:40:24] iteration      123/  250000 | consumed samples: 1099511627776 | "
    "global batch size:  1024 |\n"
    " [2024-05-10 07:41:54] iteration      124/  250000 | consumed samples:       126976 | "
    "global batch size:  1024 |\n"
    " [2024-05-10 07:43:23] iteration      125/  250000 | consumed samples:       128001 | "
    "global batch size:  1024 |\n"
    " [2024-05-10 07:43:24] consumed samples: 128000 | global batch size:  1024 |\n";

static void test_megatron_absurd_samples_are_bad(void **state)
{
    struct run *r = *state;
    struct trainer_log_opts o = {TRAINER_LOG_MEGATRON, "j", "a", 0, 0, 0, false};
    long bad, n = round_of(r, absurd_log, &o, "2026-11-01T00:00:00Z", &bad);
    /* 128,001 > 125 x 1024; the last line names no iteration */
    expect_tokens(r, "an absurd consumed samples", n, bad, 2, 3, "255852544 4194304");
}

/* Without arguments, the run's largest global batch is its lines' largest
 * (2880, after a ramp-up from 256 and 1024).
 * Consumed tokens are bounded by iteration x global batch x seq_length
 * (--seq-length): Megatron-DeepSpeed's 153,354,240 at iteration 13 of
 * 2880 x 4096 is exactly the bound (tests/fixtures/real/trainer-logs/
 * megatron-deepspeed-consumed-tokens-primus-safe.log), one more is not. */
static const char tokens_log[] =
    "[2024-02-27 15:40:00] iteration 1 / 118 | consumed samples: 256 | consumed tokens: 1048576 "
    "| global batch size: 256 |\n"
    "[2024-02-27 15:40:10] iteration 3 / 118 | consumed samples: 768 | consumed tokens: 3145728 "
    "| global batch size: 1024 |\n"
    "[2024-02-27 15:45:08] iteration 13 / 118 | consumed samples: 37440 | consumed tokens: "
    "153354241 | global batch size: 2880 |\n"
    "[2024-02-27 15:45:09] iteration 13 / 118 | consumed samples: 37440 | consumed tokens: "
    "153354240 | global batch size: 2880 |\n";

static void test_megatron_consumed_tokens_bounded(void **state)
{
    struct run *r = *state;
    struct trainer_log_opts o = {TRAINER_LOG_MEGATRON, "j", "a", 0, 4096, 0, false};
    long bad, n = round_of(r, tokens_log, &o, "2026-11-01T00:00:00Z", &bad);
    expect_tokens(r, "consumed tokens past the bound", n, bad, 3, 1,
                  "1048576 2097152 150208512");
}

/* torchtitan: a step above 10^12 is a bad line; 10^12 itself is not. */
static const char titan_log[] =
    "[rank0]:[titan] 2025-06-16 22:31:46,869 - root - INFO - step: 240  loss:  5.8  tps: 5,864\n"
    "[rank0]:[titan] 2025-06-16 22:32:00,846 - root - INFO - step: 1000000000001  loss:  5.8  "
    "tps: 5,862\n"
    "[rank0]:[titan] 2025-06-16 22:32:14,846 - root - INFO - step: 1000000000000  loss:  5.8  "
    "tps: 5,862\n";

static void test_torchtitan_absurd_step_is_bad(void **state)
{
    struct run *r = *state;
    struct trainer_log_opts o = {TRAINER_LOG_TORCHTITAN, "j", "a", 0, 0, 1, false};
    long bad, n = round_of(r, titan_log, &o, "2026-11-01T00:00:00Z", &bad);
    expect_tokens(r, "a torchtitan step above 10^12", n, bad, 2, 1, "240 999999999760");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trainer_log_future_line_is_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_report_future_is_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_megatron_absurd_samples_are_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_megatron_consumed_tokens_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torchtitan_absurd_step_is_bad, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
