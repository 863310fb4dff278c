/* Health reasons (core/health_reasons.h): each class of signal is found
 * with the state and attribution docs/availability.md's "Reasons" table
 * gives it (a down XID, a degraded one, an up-but-noted one, the
 * application XIDs NVIDIA attributes to the customer, every non-XID code),
 * unknown codes are NULL, and the table itself is whole: every row has a
 * code and a one-line why, no code twice, the XIDs first in ascending
 * order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/health_reasons.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *state_name(enum health_state s)
{
    switch (s) {
    case HEALTH_UP: return "up";
    case HEALTH_DEGRADED: return "degraded";
    case HEALTH_DOWN: return "down";
    }
    return "not a state";
}

/* r is the row of code, in state, customer-caused or not. */
static void expect_reason(const struct health_reason *r, const char *code,
                          enum health_state state, bool customer_caused)
{
    if (!r) fail_msg("expected a row for %s, got NULL", code);
    if (strcmp(r->code, code))
        fail_msg("expected the row of %s, got the row of %s", code, r->code);
    if (r->state != state)
        fail_msg("expected %s to be %s, got %s", code, state_name(state), state_name(r->state));
    if (r->customer_caused != customer_caused)
        fail_msg("expected %s to be %s, got %s", code,
                 customer_caused ? "customer-caused" : "not customer-caused",
                 r->customer_caused ? "customer-caused" : "not customer-caused");
}

static void expect_xid(long xid, enum health_state state, bool customer_caused)
{
    char code[32];
    snprintf(code, sizeof code, "xid:%ld", xid);
    expect_reason(health_reason_xid(xid), code, state, customer_caused);
    /* the same row by its code */
    if (health_reason_find(code) != health_reason_xid(xid))
        fail_msg("expected health_reason_find(\"%s\") to be XID %ld's row, got another", code,
                 xid);
}

/* NVIDIA's catalog marks these fatal: a GPU reset or a reboot before work. */
static void test_fatal_xids_are_down(void **state)
{
    (void)state;
    const long fatal[] = {46, 48, 62, 64, 74, 79, 95, 109, 119, 120, 136, 140, 143};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        expect_xid(fatal[i], HEALTH_DOWN, false);
}

/* RESTART_APP: the work was lost, the GPU takes new work. */
static void test_restart_app_xids_are_degraded(void **state)
{
    (void)state;
    expect_xid(8, HEALTH_DEGRADED, false);
    expect_xid(32, HEALTH_DEGRADED, false);
    expect_xid(69, HEALTH_DEGRADED, false);
    expect_xid(94, HEALTH_DEGRADED, false);
}

/* IGNORE: the GPU runs work as before; the signal is noted. */
static void test_ignored_xids_are_up(void **state)
{
    (void)state;
    expect_xid(63, HEALTH_UP, false);
    expect_xid(92, HEALTH_UP, false);
}

/* NVIDIA's application errors, and only they, are customer-caused. */
static void test_application_xids_are_customer_caused(void **state)
{
    (void)state;
    expect_xid(13, HEALTH_DEGRADED, true);
    expect_xid(31, HEALTH_DEGRADED, true);
    expect_xid(43, HEALTH_UP, true);
    /* 45 is the XID of the real DCGM issue 235 scrape
     * (samples/real/dcgm/xid-errmsg-prom-console-dcgm235.prom) */
    expect_xid(45, HEALTH_DEGRADED, true);
    expect_xid(68, HEALTH_DEGRADED, true);
    int customer = 0;
    for (size_t i = 0; i < health_reason_count; i++)
        if (health_reason_rows[i].customer_caused) customer++;
    if (customer != 5) fail_msg("expected 5 customer-caused rows, got %d", customer);
}

static void test_unknown_xids_are_null(void **state)
{
    (void)state;
    /* 0 and negatives are no XID; 1 is unused in the catalog; 42 (the XID
     * of dcgm-exporter PR 239's real T400 scrape, samples/real/dcgm/
     * t400-xid-active-pr239.prom) is one the catalog calls unexpected, with
     * no remedy but "report the issue"; 154 names another XID's recovery
     * action: the table leaves them out, so the caller's unknown-XID rule
     * (degraded) applies */
    const long unknown[] = {LONG_MIN, -79, -1, 0, 1, 42, 154, 999, LONG_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        if (health_reason_xid(unknown[i]))
            fail_msg("expected no row for XID %ld, got %s", unknown[i],
                     health_reason_xid(unknown[i])->code);
}

static void test_every_non_xid_code(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        enum health_state state;
    } codes[] = {
        {"ecc_dbe", HEALTH_DOWN},
        {"row_remap_failure", HEALTH_DOWN},
        {"row_remap_pending", HEALTH_UP},
        {"nvlink_down", HEALTH_DEGRADED},
        {"nvlink_errors", HEALTH_DEGRADED},
        {"scrape_failed", HEALTH_DOWN},
        {"device_gone", HEALTH_DOWN},
        {"npu_health:-1", HEALTH_DOWN},
        {"npu_health:0", HEALTH_DOWN},
        {"npu_health:1", HEALTH_UP},
        {"npu_fault:NotHandleFault", HEALTH_UP},
        {"npu_fault:SubHealthFault", HEALTH_DEGRADED},
        {"npu_fault:PreSeparateNPU", HEALTH_DEGRADED},
        {"npu_fault:RestartRequest", HEALTH_DEGRADED},
        {"npu_fault:RestartBusiness", HEALTH_DEGRADED},
        {"npu_fault:FreeRestartNPU", HEALTH_DOWN},
        {"npu_fault:RestartNPU", HEALTH_DOWN},
        {"npu_fault:SeparateNPU", HEALTH_DOWN},
        /* Cambricon: mlu-exporter's health flag, "0 means sick" */
        {"mlu_health:0", HEALTH_DOWN},
        {"mlu_health:1", HEALTH_UP},
        /* Hygon: rated by gpumeter's rule (Hygon publishes none) */
        {"dcu_ue", HEALTH_DEGRADED},
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++)
        expect_reason(health_reason_find(codes[i].code), codes[i].code, codes[i].state, false);
    /* and the table has no other non-XID row this test does not know */
    size_t others = 0;
    for (size_t i = 0; i < health_reason_count; i++)
        if (strncmp(health_reason_rows[i].code, "xid:", 4)) others++;
    if (others != n) fail_msg("expected %zu non-XID rows, got %zu", n, others);
}

static void test_unknown_codes_are_null(void **state)
{
    (void)state;
    const char *unknown[] = {"",          "xid:",         "xid:079",      "XID:79",
                             "xid:79 ",   "ecc",          "ECC_DBE",      "npu_health:2",
                             "npu_fault:", "npu_fault:restartnpu", "scrape_failed\n",
                             "mlu_health:2", "mlu_health:-1", "dcu_ce"};
    assert_null(health_reason_find(NULL));
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        if (health_reason_find(unknown[i]))
            fail_msg("expected no row for \"%s\", got %s", unknown[i],
                     health_reason_find(unknown[i])->code);
}

/* The code an XID row carries is exactly "xid:<n>" with n > 0; returns n. */
static long xid_of(const char *code)
{
    char *end = NULL;
    long n = strtol(code + 4, &end, 10);
    char canonical[32];
    snprintf(canonical, sizeof canonical, "xid:%ld", n);
    if (*end || n <= 0 || strcmp(canonical, code))
        fail_msg("expected an XID code \"xid:<n>\" with n > 0, got \"%s\"", code);
    return n;
}

static void test_table_is_whole_sorted_and_unique(void **state)
{
    (void)state;
    long last_xid = 0;
    bool past_xids = false;
    for (size_t i = 0; i < health_reason_count; i++) {
        const struct health_reason *r = &health_reason_rows[i];
        if (!r->code || !r->code[0]) fail_msg("expected row %zu to have a code, got none", i);
        if (!r->why || !r->why[0]) fail_msg("expected %s to say why, got nothing", r->code);
        if (strchr(r->why, '\n')) fail_msg("expected %s's why on one line, got \"%s\"", r->code,
                                           r->why);
        if (r->state != HEALTH_UP && r->state != HEALTH_DEGRADED && r->state != HEALTH_DOWN)
            fail_msg("expected %s's state up, degraded or down, got %d", r->code, (int)r->state);
        if (!strncmp(r->code, "xid:", 4)) {
            if (past_xids) fail_msg("expected the XID rows first, got %s after others", r->code);
            long xid = xid_of(r->code);
            if (xid <= last_xid)
                fail_msg("expected XIDs in ascending order without repeats, got %ld after %ld",
                         xid, last_xid);
            last_xid = xid;
        } else {
            past_xids = true;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(health_reason_rows[j].code, r->code))
                fail_msg("expected each code once, got %s at rows %zu and %zu", r->code, j, i);
        if (health_reason_find(r->code) != r)
            fail_msg("expected health_reason_find(\"%s\") to find row %zu", r->code, i);
    }
}

/* The SQL array sla_device_days takes is exactly the customer-caused rows,
 * in order: NVIDIA's application XIDs and nothing else. */
static void test_customer_caused_array(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    health_reason_customer_caused_array(&sb);
    const char *want = "{\"xid:13\",\"xid:31\",\"xid:43\",\"xid:45\",\"xid:68\"}";
    if (strcmp(sb_str(&sb), want))
        fail_msg("expected %s, got %s", want, sb_str(&sb));
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fatal_xids_are_down),
        cmocka_unit_test(test_restart_app_xids_are_degraded),
        cmocka_unit_test(test_ignored_xids_are_up),
        cmocka_unit_test(test_application_xids_are_customer_caused),
        cmocka_unit_test(test_unknown_xids_are_null),
        cmocka_unit_test(test_every_non_xid_code),
        cmocka_unit_test(test_unknown_codes_are_null),
        cmocka_unit_test(test_table_is_whole_sorted_and_unique),
        cmocka_unit_test(test_customer_caused_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
