/* Health events from exporter scrapes (ingest/health.h, issue 36): the
 * dcgm-exporter, npu-exporter, mlu-exporter and dcu-exporter signals,
 * window by window, against hand-computed states and reasons; without
 * --health nothing changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ingest/dcgm.h"
#include "ingest/health.h"
#include "ingest/mlu.h"
#include "ingest/nvsmi.h"

#include "ingest_run.h"

/* Health event i of the last round: its device, window, state and reasons
 * ("a,b"), checked whole so that a failure shows expected and got. */
static void check_health(const struct run *r, int i, const char *device, const char *start,
                         const char *end, const char *state, const char *reasons)
{
    assert_true(i < r->nhea);
    const struct usage_event *e = &r->hea[i];
    char got[400], want[400], list[300] = "";
    for (int k = 0; k < e->nreasons; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? "," : "",
                 e->reasons[k]);
    snprintf(got, sizeof got, "%s %lld-%lld %s [%s]", e->device, (long long)e->start_ms,
             (long long)e->end_ms, event_health_state(e->state), list);
    snprintf(want, sizeof want, "%s %lld-%lld %s [%s]", device, (long long)at(start),
             (long long)at(end), state, reasons);
    assert_string_equal(got, want);
}

static void test_dcgm_health_window_by_window(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse, "dcgm-health-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 0); /* the baseline has no window */
    /* t1: GPU0's XID 79 is new; GPU1's XID 43 was there at the baseline */
    scrape(r, dcgm_parse, "dcgm-health-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down",
                 "xid:79");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    const struct usage_event *e = &r->hea[0];
    assert_string_equal(e->node, "gpu-node-01");
    assert_string_equal(e->model, "NVIDIA H800");
    assert_string_equal(e->vendor, "nvidia");
    assert_string_equal(e->source, "t/c1/gpu-node-01");
    /* after GPU0's usage (seq 1), before the node's capacity (seq 4) */
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].seq, 1);
    assert_int_equal(r->hea[0].seq, 2);
    assert_int_equal(r->hea[1].seq, 3);
    assert_int_equal(r->cap[0].seq, 4);
    /* t2: XID 79 again is no news; both ECC counts went up; GPU1's rows failed */
    scrape(r, dcgm_parse, "dcgm-health-t2.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    /* (an uncorrectable ECC error and a failed row remap are down in
     * core/health_reasons.c: the GPU needs a reset or replacement) */
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:30Z", "2026-11-01T00:01:00Z",
                 "down", "ecc_dbe");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:30Z", "2026-11-01T00:01:00Z",
                 "down", "ecc_dbe,row_remap_failure");
    /* t3: XID 13 is new (the application's, still degraded: the evidence
     * stays); ECC unchanged; the failed remap still there */
    scrape(r, dcgm_parse, "dcgm-health-t3.prom", "2026-11-01T00:01:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:01:00Z", "2026-11-01T00:01:30Z",
                 "degraded", "xid:13");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:01:00Z", "2026-11-01T00:01:30Z",
                 "down", "row_remap_failure");
    assert_int_equal(r->bad, 0);
}

/* A health code with a fraction names nothing: a bad line, not its whole
 * part (79.5 is not XID 79); a whole number written with decimals is that
 * number. */
static void test_dcgm_fractional_xid(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse, "dcgm-health-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse, "dcgm-health-t1-fraction.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 1);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
}

static void test_dcgm_without_health_changes_nothing(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse, "dcgm-health-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse, "dcgm-health-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 0);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].seq, 1);
    assert_int_equal(r->cap[0].seq, 2);
    assert_null(state_find(&r->state, "health GPU-aaaa0000"));
    assert_int_equal(r->bad, 0); /* the health series are read, never bad lines */
}

/* npu-exporter's own testdata (real) as the baseline, then chip 3 not
 * healthy: 7 chips up, chip 3 down for the 30 s. */
static void test_npu_chip_health(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse_npu, "../real/npu/ascend910-npu-exporter-testdata.prom",
           "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 0);
    scrape(r, dcgm_parse_npu, "npu-health-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 8);
    for (int i = 0; i < 8; i++) {
        char device[16];
        snprintf(device, sizeof device, "npu-%d", i);
        check_health(r, i, device, "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z",
                     i == 3 ? "down" : "up", i == 3 ? "npu_health:0" : "");
        assert_string_equal(r->hea[i].vendor, "huawei");
    }
}

/* npu-exporter 26.1's -1 (the DCMI or hccn_tool call failed) is a status
 * like any other: chip 3 down with npu_health:-1, and no bad line. */
static void test_npu_chip_health_call_failed(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse_npu, "../real/npu/ascend910-npu-exporter-testdata.prom",
           "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse_npu, "npu-health-t2.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 8);
    assert_int_equal(r->bad, 0);
    check_health(r, 3, "npu-3", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down",
                 "npu_health:-1");
    check_health(r, 2, "npu-2", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
}

/* A health signal is a whole number: an XID, an error count, a status.
 * A fraction is a bad line naming the value, never truncated into a code
 * or a count (79.9 is no XID 79, a chip health 0.5 is not 0: either would
 * credit a customer for a reading no exporter writes); an exponent that
 * is exactly whole (7.9e1) and a whole value written with a zero fraction
 * (6.0) are the numbers they are. */
static void test_fractional_signals_are_bad_lines(void **state)
{
    struct run *r = *state;
    r->health = true;
#define G(i) "{gpu=\"" #i "\",UUID=\"GPU-f" #i "\",device=\"nvidia" #i "\",modelName=\"NVIDIA H800\",Hostname=\"n1\"} "
    static const char t0[] = "DCGM_FI_DEV_XID_ERRORS" G(0) "0\n"
                             "DCGM_FI_DEV_XID_ERRORS" G(1) "0\n"
                             "DCGM_FI_DEV_XID_ERRORS" G(2) "0\n"
                             "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL" G(3) "5\n"
                             "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL" G(4) "5\n";
    static const char t1[] = "DCGM_FI_DEV_XID_ERRORS" G(0) "79.9\n"
                             "DCGM_FI_DEV_XID_ERRORS" G(1) "7.9e1\n"
                             "DCGM_FI_DEV_XID_ERRORS" G(2) "13.5\n"
                             "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL" G(3) "5.5\n"
                             "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL" G(4) "6.0\n";
#undef G
    scrape_text(r, dcgm_parse, t0, sizeof t0 - 1, "t0", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape_text(r, dcgm_parse, t1, sizeof t1 - 1, "t1", "2026-11-01T00:00:30Z", NULL, NULL);
    if (r->bad != 3) fail_msg("bad lines: expected 3 (79.9, 13.5, 5.5), got %d", r->bad);
    assert_int_equal(r->nhea, 5);
    check_health(r, 0, "GPU-f0", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    check_health(r, 1, "GPU-f1", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down", "xid:79");
    check_health(r, 2, "GPU-f2", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    check_health(r, 3, "GPU-f3", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    check_health(r, 4, "GPU-f4", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down", "ecc_dbe");
}

/* npu-exporter's status -1 is read exactly too: -0.5 is a bad line, not
 * npu_health:0. */
static void test_npu_fractional_status_is_bad_line(void **state)
{
    struct run *r = *state;
    r->health = true;
    static const char t0[] = "npu_chip_info_health_status{id=\"0\",model_name=\"Ascend910B\"} 1\n"
                             "npu_chip_info_health_status{id=\"1\",model_name=\"Ascend910B\"} 1\n";
    static const char t1[] = "npu_chip_info_health_status{id=\"0\",model_name=\"Ascend910B\"} -0.5\n"
                             "npu_chip_info_health_status{id=\"1\",model_name=\"Ascend910B\"} 0.5\n";
    scrape_text(r, dcgm_parse_npu, t0, sizeof t0 - 1, "t0", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape_text(r, dcgm_parse_npu, t1, sizeof t1 - 1, "t1", "2026-11-01T00:00:30Z", NULL, NULL);
    if (r->bad != 2) fail_msg("bad lines: expected 2 (-0.5, 0.5), got %d", r->bad);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "npu-0", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    check_health(r, 1, "npu-1", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
}

/* The derivation alone: an XID the table does not know is degraded under
 * its own code; a signal absent from the scrape keeps what the last one
 * said; an ECC count seen for the first time is no news. */
static void test_derive_rules(void **state)
{
    (void)state;
    struct usage_event ev = {0};
    int64_t prev[4] = {0, -1, -1, -1};
    struct device_signals s = {.has_xid = true, .xid = 154, .has_ecc_dbe = true, .ecc_dbe = 5};
    health_derive(&s, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DEGRADED);
    assert_int_equal(ev.nreasons, 1);
    assert_string_equal(ev.reasons[0], "xid:154");
    assert_int_equal(prev[0], 154);
    assert_int_equal(prev[1], 5);
    struct device_signals none = {0};
    health_derive(&none, prev, &ev);
    assert_int_equal(ev.state, HEALTH_UP);
    assert_int_equal(ev.nreasons, 0);
    assert_int_equal(prev[0], 154);
    assert_int_equal(prev[1], 5);
    /* the worst state wins, every reason listed */
    struct device_signals both = {.has_xid = true, .xid = 79, .has_row_remap_failure = true,
                                  .row_remap_failure = 1, .has_ecc_dbe = true, .ecc_dbe = 5};
    health_derive(&both, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DOWN);
    assert_int_equal(ev.nreasons, 2);
    assert_string_equal(ev.reasons[0], "xid:79");
    assert_string_equal(ev.reasons[1], "row_remap_failure");
}

/* ---- NVLink errors (issue 36, the signals part) ---- */

/* dcgm-exporter's NVLink replay and recovery counters, window by window
 * (dcgm-nvlink-t0..t3.prom): first seen is no news, a rise is
 * nvlink_errors (degraded), the CRC counters rising alone are not read. */
static void test_dcgm_nvlink_errors(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse, "dcgm-nvlink-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 0);
    /* t1: GPU0's replay count 12 -> 15; GPU1's CRC counts rose, nothing else */
    scrape(r, dcgm_parse, "dcgm-nvlink-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z",
                 "degraded", "nvlink_errors");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    /* t2: nothing rose */
    scrape(r, dcgm_parse, "dcgm-nvlink-t2.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:30Z", "2026-11-01T00:01:00Z", "up", "");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:30Z", "2026-11-01T00:01:00Z", "up", "");
    /* t3: GPU1's recovery count 0 -> 1 beside a new XID 79: down, both listed */
    scrape(r, dcgm_parse, "dcgm-nvlink-t3.prom", "2026-11-01T00:01:30Z", NULL, NULL);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:01:00Z", "2026-11-01T00:01:30Z", "up", "");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:01:00Z", "2026-11-01T00:01:30Z", "down",
                 "xid:79,nvlink_errors");
    assert_int_equal(r->bad, 0);
}

/* The NVLink rule alone: a counter first seen is no news, a rise of either
 * is one reason, a fall (the GPU was reset) is no news and the new base. */
static void test_derive_nvlink(void **state)
{
    (void)state;
    struct usage_event ev = {0};
    int64_t prev[4] = {-1, -1, -1, -1};
    struct device_signals s = {.has_nvlink_replay = true, .nvlink_replay = 7,
                               .has_nvlink_recovery = true, .nvlink_recovery = 2};
    health_derive(&s, prev, &ev);
    assert_int_equal(ev.state, HEALTH_UP);
    assert_int_equal(prev[2], 7);
    assert_int_equal(prev[3], 2);
    s.nvlink_replay = 8, s.nvlink_recovery = 3; /* both rose: one reason */
    health_derive(&s, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DEGRADED);
    assert_int_equal(ev.nreasons, 1);
    assert_string_equal(ev.reasons[0], "nvlink_errors");
    s.nvlink_replay = 0, s.nvlink_recovery = 0; /* reset with the GPU */
    health_derive(&s, prev, &ev);
    assert_int_equal(ev.state, HEALTH_UP);
    assert_int_equal(ev.nreasons, 0);
    assert_int_equal(prev[2], 0);
    struct device_signals recovery_only = {.has_nvlink_recovery = true, .nvlink_recovery = 1};
    health_derive(&recovery_only, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DEGRADED);
    assert_string_equal(ev.reasons[0], "nvlink_errors");
    assert_int_equal(prev[2], 0); /* absent: the last value stands */
}

/* Both GPUs listed again at 00:01:30 after down windows up to 00:01:00:
 * their windows start at 00:01:00, where those ended, and are up. */
static void back_up_at_0130(struct run *r)
{
    scrape(r, dcgm_parse, "dcgm-nvlink-t2.prom", "2026-11-01T00:01:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:01:00Z", "2026-11-01T00:01:30Z", "up", "");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:01:00Z", "2026-11-01T00:01:30Z", "up", "");
}

/* device_gone (issue 36, the signals part): GPU1 missing from two scrapes
 * of its input is down for each; back, its window starts where the last
 * gone window ended, not where usage last saw it; missing for longer than
 * the gap limit (300 s here) it is not metered, and comes back as a
 * baseline. Every window hand-computed. */
static void test_dcgm_device_gone(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse, "dcgm-nvlink-t1.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse, "dcgm-gone.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "up", "");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down",
                 "device_gone");
    assert_string_equal(r->hea[1].node, "gpu-node-01");
    assert_string_equal(r->hea[1].model, "NVIDIA H800");
    assert_string_equal(r->hea[1].vendor, "nvidia");
    assert_int_equal(r->n, 1); /* gone is health only: no usage for GPU1 */
    scrape(r, dcgm_parse, "dcgm-gone.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:30Z", "2026-11-01T00:01:00Z", "down",
                 "device_gone");
    /* back: usage charges 00:00:00-00:01:30 (the gap rule is unchanged),
     * health only the 30 s not yet metered */
    back_up_at_0130(r);
    /* gone again, then past the gap limit: not metered, back as a baseline */
    scrape(r, dcgm_parse, "dcgm-gone.prom", "2026-11-01T00:02:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:01:30Z", "2026-11-01T00:02:00Z", "down",
                 "device_gone");
    scrape(r, dcgm_parse, "dcgm-gone.prom", "2026-11-01T00:08:20Z", NULL, NULL);
    assert_int_equal(r->nhea, 0); /* GPU1 last seen 410 s back; GPU0's own gap */
    scrape(r, dcgm_parse, "dcgm-nvlink-t2.prom", "2026-11-01T00:08:50Z", NULL, NULL);
    assert_int_equal(r->nhea, 1);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:08:20Z", "2026-11-01T00:08:50Z", "up", "");
    assert_int_equal(r->bad, 0);
}

/* A round in which the input did not answer: what the collector calls. */
static void failed_round(struct run *r, const char *when)
{
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    health_scrape_failed(&cy);
    cycle_end(r, &cy);
}

/* scrape_failed (issue 36, the signals part): the input down for two
 * rounds, both its GPUs down for each; back, their windows start where
 * those ended; down for longer than the gap limit (300 s), a failing
 * round reports at most 300 s back, and the return is a baseline. */
static void test_dcgm_scrape_failed(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse, "dcgm-nvlink-t1.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    failed_round(r, "2026-11-01T00:00:30Z");
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down",
                 "scrape_failed");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "down",
                 "scrape_failed");
    assert_int_equal(r->n + r->ncap, 0); /* no usage guessed */
    failed_round(r, "2026-11-01T00:01:00Z");
    check_health(r, 1, "GPU-aaaa0001", "2026-11-01T00:00:30Z", "2026-11-01T00:01:00Z", "down",
                 "scrape_failed");
    back_up_at_0130(r);
    /* a long outage: 400 s after the last round, 300 s of it reported */
    failed_round(r, "2026-11-01T00:08:10Z");
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:03:10Z", "2026-11-01T00:08:10Z", "down",
                 "scrape_failed");
    failed_round(r, "2026-11-01T00:08:40Z"); /* and still every round after */
    check_health(r, 0, "GPU-aaaa0000", "2026-11-01T00:08:10Z", "2026-11-01T00:08:40Z", "down",
                 "scrape_failed");
    scrape(r, dcgm_parse, "dcgm-nvlink-t2.prom", "2026-11-01T00:09:10Z", NULL, NULL);
    assert_int_equal(r->nhea, 0); /* usage's gap: a baseline, health with it */
    assert_int_equal(r->bad, 0);
}

/* nvidia-smi has no health series: its windows are up, and a GPU its
 * query output stops listing is device_gone (nvsmi-gone.csv). */
static void test_nvsmi_device_gone(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, nvsmi_parse, "nvsmi-units-t0.csv", "2026-11-01T00:00:00Z", NULL, "team-default");
    scrape(r, nvsmi_parse, "nvsmi-gone.csv", "2026-11-01T00:01:00Z", NULL, "team-default");
    assert_int_equal(r->nhea, 3);
    check_health(r, 0, "GPU-ffff0000", "2026-11-01T00:00:00Z", "2026-11-01T00:01:00Z", "up", "");
    check_health(r, 1, "GPU-ffff0001", "2026-11-01T00:00:00Z", "2026-11-01T00:01:00Z", "up", "");
    check_health(r, 2, "GPU-ffff0002", "2026-11-01T00:00:00Z", "2026-11-01T00:01:00Z", "down",
                 "device_gone");
    assert_string_equal(r->hea[2].model, "NVIDIA H100 80GB HBM3");
}

/* ---- Cambricon mlu-exporter (issue 36, deliverable 1's rest) ---- */

/* mlu-exporter's own golden output with its mlu_health series (real:
 * tests/fixtures/real/mlu/mlu-exporter-v2.0.22-golden-health.prom), twice:
 * uuid2 (CNDEV_FR_TEMP_VIOLATION) and uuid4 (CNDEV_FR_REPAIR_FAILURE) are
 * 0, "sick": down; uuid1 and uuid3 up. The XID series are read by no rule
 * and are no bad lines. Then (mlu-health-t2.prom) uuid2 healthy again,
 * uuid4 still sick, uuid1 no longer listed: device_gone. */
static void test_mlu_health(void **state)
{
    struct run *r = *state;
    r->health = true;
    const char *f = "../real/mlu/mlu-exporter-v2.0.22-golden-health.prom";
    scrape(r, mlu_parse, f, "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 0); /* the baseline has no window */
    assert_int_equal(r->bad, 0);
    scrape(r, mlu_parse, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->nhea, 4);
    const char *t0 = "2026-11-01T00:00:00Z", *t1 = "2026-11-01T00:00:30Z";
    check_health(r, 0, "mlu-uuid1", t0, t1, "up", "");
    check_health(r, 1, "mlu-uuid2", t0, t1, "down", "mlu_health:0");
    check_health(r, 2, "mlu-uuid3", t0, t1, "up", "");
    check_health(r, 3, "mlu-uuid4", t0, t1, "down", "mlu_health:0");
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r->hea[i].node, "machine1");
        assert_string_equal(r->hea[i].model, "MLU590");
        assert_string_equal(r->hea[i].vendor, "cambricon");
    }
    assert_int_equal(r->n, 5); /* the usage of the golden test, unchanged */
    scrape(r, mlu_parse, "mlu-health-t2.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->nhea, 4);
    const char *t2 = "2026-11-01T00:01:00Z";
    check_health(r, 0, "mlu-uuid2", t1, t2, "up", "");
    check_health(r, 1, "mlu-uuid3", t1, t2, "up", "");
    check_health(r, 2, "mlu-uuid4", t1, t2, "down", "mlu_health:0");
    check_health(r, 3, "mlu-uuid1", t1, t2, "down", "device_gone");
}

/* Without --health the health series change nothing: the golden test's
 * usage, no health event, no health state. */
static void test_mlu_without_health_changes_nothing(void **state)
{
    struct run *r = *state;
    const char *f = "../real/mlu/mlu-exporter-v2.0.22-golden-health.prom";
    scrape(r, mlu_parse, f, "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, mlu_parse, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->nhea, 0);
    assert_int_equal(r->n, 5);
    assert_int_equal(r->bad, 0);
    assert_null(state_find(&r->state, "health machine1/mlu-uuid2"));
}

/* ---- Hygon dcu-exporter (issue 36, deliverable 1's rest) ---- */

/* dcu_ue_count summed over a card's RAS blocks (dcu-health-t0..t3.prom):
 * UE already there at the baseline is no news; a correctable count rising
 * is not read; a UE rise is dcu_ue (degraded); a lower count is a new base;
 * a card no longer listed is device_gone. */
static void test_dcu_ras_ue(void **state)
{
    struct run *r = *state;
    r->health = true;
    scrape(r, dcgm_parse_dcu, "dcu-health-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->nhea, 0);
    assert_int_equal(r->bad, 0);
    const char *t0 = "2026-11-01T00:00:00Z", *t1 = "2026-11-01T00:00:30Z",
               *t2 = "2026-11-01T00:01:00Z", *t3 = "2026-11-01T00:01:30Z";
    scrape(r, dcgm_parse_dcu, "dcu-health-t1.prom", t1, NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "dcu-T8R1380013061601", t0, t1, "up", "");
    check_health(r, 1, "dcu-T8R1380019021101", t0, t1, "up", "");
    assert_string_equal(r->hea[0].node, "dcunode3");
    assert_string_equal(r->hea[0].model, "K100_AI");
    assert_string_equal(r->hea[0].vendor, "hygon");
    scrape(r, dcgm_parse_dcu, "dcu-health-t2.prom", t2, NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "dcu-T8R1380013061601", t1, t2, "degraded", "dcu_ue");
    check_health(r, 1, "dcu-T8R1380019021101", t1, t2, "up", "");
    assert_int_equal(r->n, 1); /* llama-0's usage, as without --health */
    scrape(r, dcgm_parse_dcu, "dcu-health-t3.prom", t3, NULL, NULL);
    assert_int_equal(r->nhea, 2);
    check_health(r, 0, "dcu-T8R1380013061601", t2, t3, "up", "");
    check_health(r, 1, "dcu-T8R1380019021101", t2, t3, "down", "device_gone");
    assert_int_equal(r->bad, 0);
}

/* A dcu_ue_count that is not a count of errors is a bad line with its
 * reason, and the card's other blocks still count. */
static void test_dcu_ue_bad_value(void **state)
{
    struct run *r = *state;
    r->health = true;
    static const char text[] =
        "dcu_power_usage{device_id=\"S1\",node=\"n1\",name=\"K100_AI\"} 100\n"
        "dcu_ue_count{device_id=\"S1\",node=\"n1\",name=\"K100_AI\",block_type=\"UMC\"} 0\n";
    static const char later[] =
        "dcu_power_usage{device_id=\"S1\",node=\"n1\",name=\"K100_AI\"} 100\n"
        "dcu_ue_count{device_id=\"S1\",node=\"n1\",name=\"K100_AI\",block_type=\"UMC\"} 1.5\n"
        "dcu_ue_count{device_id=\"S1\",node=\"n1\",name=\"K100_AI\",block_type=\"GFX\"} 1\n";
    scrape_text(r, dcgm_parse_dcu, text, sizeof text - 1, "t0", "2026-11-01T00:00:00Z", NULL,
                NULL);
    scrape_text(r, dcgm_parse_dcu, later, sizeof later - 1, "t0", "2026-11-01T00:00:30Z", NULL,
                NULL);
    assert_int_equal(r->bad, 1);
    assert_int_equal(r->nhea, 1);
    check_health(r, 0, "dcu-S1", "2026-11-01T00:00:00Z", "2026-11-01T00:00:30Z", "degraded",
                 "dcu_ue");
}

/* The derivation of the MLU and DCU signals alone: mlu_health not 1 under
 * its own code (a value the table does not know, 2, is degraded); the DCU
 * UE count is news only when it rises, in the slot of the ECC count. */
static void test_derive_mlu_dcu(void **state)
{
    (void)state;
    struct usage_event ev = {0};
    int64_t prev[4] = {-1, -1, -1, -1};
    struct device_signals sick = {.has_card_health = true, .card_health = 0};
    health_derive(&sick, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DOWN);
    assert_int_equal(ev.nreasons, 1);
    assert_string_equal(ev.reasons[0], "mlu_health:0");
    struct device_signals two = {.has_card_health = true, .card_health = 2};
    health_derive(&two, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DEGRADED);
    assert_string_equal(ev.reasons[0], "mlu_health:2");
    struct device_signals well = {.has_card_health = true, .card_health = 1};
    health_derive(&well, prev, &ev);
    assert_int_equal(ev.state, HEALTH_UP);
    assert_int_equal(ev.nreasons, 0);
    struct device_signals ue = {.has_ras_ue = true, .ras_ue = 3};
    health_derive(&ue, prev, &ev); /* first seen: the base */
    assert_int_equal(ev.nreasons, 0);
    assert_int_equal(prev[1], 3);
    ue.ras_ue = 4;
    health_derive(&ue, prev, &ev);
    assert_int_equal(ev.state, HEALTH_DEGRADED);
    assert_int_equal(ev.nreasons, 1);
    assert_string_equal(ev.reasons[0], "dcu_ue");
    health_derive(&ue, prev, &ev); /* unchanged: no news */
    assert_int_equal(ev.nreasons, 0);
    ue.ras_ue = 0;
    health_derive(&ue, prev, &ev); /* lower: reset, the new base */
    assert_int_equal(ev.nreasons, 0);
    assert_int_equal(prev[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dcgm_health_window_by_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_without_health_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npu_chip_health_call_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_fractional_xid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fractional_signals_are_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npu_fractional_status_is_bad_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npu_chip_health, setup, teardown),
        cmocka_unit_test(test_derive_rules),
        cmocka_unit_test_setup_teardown(test_dcgm_nvlink_errors, setup, teardown),
        cmocka_unit_test(test_derive_nvlink),
        cmocka_unit_test_setup_teardown(test_dcgm_device_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_scrape_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nvsmi_device_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mlu_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mlu_without_health_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcu_ras_ue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcu_ue_bad_value, setup, teardown),
        cmocka_unit_test(test_derive_mlu_dcu),
    };
    return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
