/* HAMi (issue 35): a GPU's energy from the node's dcgm-exporter joined on
 * its UUID and split by the same shares as its time, memory shares, the
 * pod annotation hami.io/vgpu-devices-allocated; every figure below is
 * computed by hand from the fixtures (tests/fixtures/ingest/hami-*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest/hami.h"
#include "ingest_run.h"

/* The fixtures' texts one after the other, as a joined round reads them. */
static void read_fixtures(struct strbuf *sb, const char *a, const char *b)
{
    struct strbuf one = STRBUF_INIT;
    sb_reset(sb);
    read_fixture(a, &one);
    sb_append(sb, one.buf, one.len);
    if (b) {
        read_fixture(b, &one);
        sb_append(sb, one.buf, one.len);
    }
    sb_free(&one);
}

/* One round at when: the pods (or NULL) and the scrapes, parsed and metered. */
static void round_at(struct run *r, const char *when, const char *pods_file, bool memory,
                     const char *a, const char *b)
{
    struct strbuf text = STRBUF_INIT, pods = STRBUF_INIT;
    read_fixtures(&text, a, b);
    if (pods_file) read_fixtures(&pods, pods_file, NULL);
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    struct device_set set = {0};
    struct rejects rep = {.origin = "scrape"}, prep = {.origin = "pods"};
    struct device_source src = {"this-host", false, "unknown", NULL, NULL, &set, &rep};
    hami_parse_pods(pods_file ? pods.buf : NULL, pods.len, &prep, memory,
                    text.buf ? text.buf : "", text.len, &src);
    device_meter(&cy, &set);
    device_set_free(&set);
    cycle_end(r, &cy);
    r->bad = rep.bad;
    r->pods_bad = prep.bad;
    sb_free(&text);
    sb_free(&pods);
}

struct want {
    const char *account, *job;
    int64_t gpu_ms, energy_mj; /* -1: no energy */
};

static void expect(const struct run *r, const struct want *w, int n, const char *model)
{
    if (r->n != n) fail_msg("expected %d usage events, got %d", n, r->n);
    for (int i = 0; i < n; i++) {
        const struct usage_event *e = &r->ev[i];
        if (strcmp(e->account, w[i].account) || strcmp(e->job, w[i].job) ||
            e->gpu_ms != w[i].gpu_ms ||
            (w[i].energy_mj < 0 ? (e->has & EVENT_HAS_ENERGY) != 0
                                : !(e->has & EVENT_HAS_ENERGY) || e->energy_mj != w[i].energy_mj))
            fail_msg("event %d: expected %s/%s %lld ms %lld mJ, got %s/%s %lld ms %lld mJ%s", i,
                     w[i].account, w[i].job, (long long)w[i].gpu_ms, (long long)w[i].energy_mj,
                     e->account, e->job, (long long)e->gpu_ms, (long long)e->energy_mj,
                     e->has & EVENT_HAS_ENERGY ? "" : " (none)");
        if (model && strcmp(e->model, model))
            fail_msg("event %d: expected model %s, got %s", i, model, e->model);
        assert_false(e->has & EVENT_HAS_GPU_MEM); /* a GPU's framebuffer is no pod's */
    }
}

/* Cores shares (the default): each pod's share of the window and of the
 * physical GPU's energy, the rest stranded. GPU-aaaa: the counter rose by
 * 12,345,679 mJ; 30 % / 50 % / 20 % stranded split with money_split's
 * cumulative floors: floor(12,345,679 x 0.3) = 3,703,703, floor(x 0.8) =
 * 9,876,543 - 3,703,703 = 6,172,840, the stranded rest 2,469,136 (the
 * remainder goes to the later parts in (account, job) order, the stranded
 * rest last). GPU-bbbb: power only, (300 W + 400 W) / 2 x 60 s =
 * 21,000,000 mJ, overcommitted 50 % + 70 %: the later pod is clamped to
 * the 50 % left. GPU-dddd: 20 % of 600,000 mJ. */
static void test_hami_energy_split_by_cores(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", NULL, false, "hami-energy-scheduler.prom",
             "hami-energy-dcgm-t0.prom");
    assert_int_equal(r->n, 0); /* the baseline */
    round_at(r, "2026-11-01T00:01:00Z", NULL, false, "hami-energy-scheduler.prom",
             "hami-energy-dcgm-t1.prom");
    const struct want w[] = {{"team-a", "infer-0", 18000, 3703703},
                             {"team-b", "embed-0", 30000, 6172840},
                             {"team-a", "infer-1", 30000, 10500000},
                             {"team-c", "train-0", 30000, 10500000},
                             {"team-d", "dev-0", 12000, 120000}};
    expect(r, w, 5, "NVIDIA H800"); /* the model from dcgm-exporter's modelName */
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->st.idle_gpu_ms, 12000 + 48000); /* stranded, never billed */
    assert_int_equal(r->ncap, 1); /* GPU-cccc is no HAMi GPU: not in it */
    assert_string_equal(r->cap[0].node, "gpu-node-1");
    assert_int_equal(r->cap[0].devices, 3);
    assert_int_equal(r->cap[0].allocated_ms, 120000);
    /* the stranded energy: 2,469,136 + 480,000 mJ, never charged */
    assert_true(r->cap[0].has & EVENT_HAS_IDLE_ENERGY);
    assert_int_equal(r->cap[0].idle_energy_mj, 2469136 + 480000);
}

/* --share memory: memory allocated / the device's memory. GPU-aaaa: 20 and
 * 40 of 80 GiB = 25 % and 50 %: 15,000 and 30,000 ms; energy floor(x 0.25)
 * = 3,086,419, floor(x 0.75) = 9,259,259 - 3,086,419 = 6,172,840, stranded
 * 3,086,420. GPU-bbbb: 60 GiB (legacy name) = 75 %, 40 GiB = 50 % clamped
 * to the 25 % left: 45,000 / 15,000 ms, 15,750,000 / 5,250,000 mJ.
 * GPU-dddd states no device memory: a bad line, and its pod's cores (20 %)
 * stand. */
static void test_hami_memory_shares(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", NULL, true, "hami-energy-scheduler.prom",
             "hami-energy-dcgm-t0.prom");
    round_at(r, "2026-11-01T00:01:00Z", NULL, true, "hami-energy-scheduler.prom",
             "hami-energy-dcgm-t1.prom");
    const struct want w[] = {{"team-a", "infer-0", 15000, 3086419},
                             {"team-b", "embed-0", 30000, 6172840},
                             {"team-a", "infer-1", 45000, 15750000},
                             {"team-c", "train-0", 15000, 5250000},
                             {"team-d", "dev-0", 12000, 120000}};
    expect(r, w, 5, "NVIDIA H800");
    assert_int_equal(r->bad, 1);
    assert_int_equal(r->st.idle_gpu_ms, 15000 + 48000);
    assert_int_equal(r->cap[0].idle_energy_mj, 3086420 + 480000);
}

/* A pod allocated more memory than the device has is clamped to the whole
 * device, and the pod after it in (account, job) order to what is left:
 * nothing (its 0 ms event still says so). */
static void test_hami_memory_overcommitted_is_clamped(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", NULL, true, "hami-memory-over.prom", NULL);
    round_at(r, "2026-11-01T00:01:00Z", NULL, true, "hami-memory-over.prom", NULL);
    const struct want w[] = {{"team-e", "big-0", 60000, -1}, {"team-f", "small-0", 0, -1}};
    expect(r, w, 2, "unknown");
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->st.idle_gpu_ms, 0);
}

/* --share memory on a device where one pod states memory (team-a: 60 of
 * 80 GiB, 75 %) and another only cores (team-b: 50 %): the pods' shares
 * must be of one thing, so the device is shared by cores, 30 % and 50 %
 * (18,000 and 30,000 of 60,000 ms, 12,000 stranded), and team-b's missing
 * memory is a bad line. Mixed, team-a took 75 % by memory and team-b the
 * 25 % left of its cores share. */
static void test_hami_memory_share_needs_every_pod_memory(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", NULL, true, "hami-memory-mixed.prom", NULL);
    round_at(r, "2026-11-01T00:01:00Z", NULL, true, "hami-memory-mixed.prom", NULL);
    const struct want w[] = {{"team-a", "p1", 18000, -1}, {"team-b", "p2", 30000, -1}};
    expect(r, w, 2, "unknown");
    if (r->bad != 1) fail_msg("expected 1 bad line (team-b's memory), got %ld", r->bad);
    assert_int_equal(r->st.idle_gpu_ms, 12000);
}

/* A real scheduler scrape (HAMi issue 594: one 24 GiB GPU, 2 GiB allocated,
 * no core limit) with a pod holding that allocation: by cores (0 = no
 * limit) the pod alone takes the whole window; by memory 2 / 24 GiB =
 * 83,333 parts per million (rounded down), floor(60,000 x 0.083333) =
 * 4,999 ms, the rest stranded. */
static void test_hami_real_scheduler_memory_share(void **state)
{
    struct run *r = *state;
    for (int memory = 0; memory < 2; memory++) {
        state_free(&r->state);
        state_init(&r->state);
        round_at(r, "2026-11-01T00:00:00Z", "hami-pods-issue594.json", memory,
                 "hami-scheduler-issue594.prom", NULL);
        round_at(r, "2026-11-01T00:01:00Z", "hami-pods-issue594.json", memory,
                 "hami-scheduler-issue594.prom", NULL);
        const struct want w[] = {{"team-m", "gpu-pod-2g", memory ? 4999 : 60000, -1}};
        expect(r, w, 1, "unknown");
        assert_int_equal(r->bad + r->pods_bad, 0);
        assert_int_equal(r->st.idle_gpu_ms, memory ? 55001 : 0);
        assert_string_equal(r->cap[0].node, "10.35.211.17");
    }
}

/* The real 2.4 monitor paste of HAMi issue 555 (one pod alone on four
 * GPUs, no scheduler: each GPU whole to it) joined with a dcgm-exporter
 * scrape of two of them: those two carry their whole energy (9,000,000
 * and 3,000,000 mJ), dcgm-exporter's model, and its Hostname as node
 * (the monitor names none); the other two keep the defaults, no energy. */
static void test_hami_real_monitor_with_dcgm_energy(void **state)
{
    struct run *r = *state;
    const char *monitor = "../real/hami/hami-vgpu-monitor-4gpu-pod-issue555.prom";
    round_at(r, "2026-11-01T00:00:00Z", NULL, false, monitor, "hami-issue555-dcgm-t0.prom");
    round_at(r, "2026-11-01T00:01:00Z", NULL, false, monitor, "hami-issue555-dcgm-t1.prom");
    const char *pod = "mistral-7b-78c69f7cc4-fz96k";
    const struct want w[] = {{"default", pod, 60000, 9000000},
                             {"default", pod, 60000, 3000000},
                             {"default", pod, 60000, -1},
                             {"default", pod, 60000, -1}};
    expect(r, w, 4, NULL);
    assert_string_equal(r->ev[0].model, "NVIDIA H20");
    assert_string_equal(r->ev[2].model, "unknown");
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->ncap, 2);
    assert_string_equal(r->cap[0].node, "gpu-node-9");
    assert_int_equal(r->cap[0].devices, 2);
    assert_string_equal(r->cap[1].node, "this-host");
}

/* Without dcgm-exporter's series the shares carry no energy (HAMi
 * publishes none), as before. */
static void test_hami_without_dcgm_has_no_energy(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", NULL, false, "hami-energy-scheduler.prom", NULL);
    round_at(r, "2026-11-01T00:01:00Z", NULL, false, "hami-energy-scheduler.prom", NULL);
    const struct want w[] = {{"team-a", "infer-0", 18000, -1},
                             {"team-b", "embed-0", 30000, -1},
                             {"team-a", "infer-1", 30000, -1},
                             {"team-c", "train-0", 30000, -1},
                             {"team-d", "dev-0", 12000, -1}};
    expect(r, w, 5, "unknown");
    assert_false(r->cap[0].has & EVENT_HAS_IDLE_ENERGY);
}

/* The pod annotation (kubectl get pods -A -o json, hami-pods.json): a
 * Succeeded pod and a pod without the annotation hold nothing; a malformed
 * annotation and an Ascend device are rejects with their reasons, the
 * other pods untouched. GPU-29d5...: team-p 20 %, team-q two containers
 * 30 % + 60 % = 90 % clamped to the 80 % left; the counter rose by
 * 1,000,001 mJ: floor(x 0.2) = 200,000, the rest 800,001 to team-q.
 * GPU-1afe...: team-r, Pending but bound, 30 %, no energy. GPU-0fc3...:
 * team-u states no core limit (0): alone, it holds the whole window. */
static void test_hami_pod_annotation(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", "hami-pods.json", false, "hami-pods-dcgm-t0.prom", NULL);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->pods_bad, 2);
    round_at(r, "2026-11-01T00:01:00Z", "hami-pods.json", false, "hami-pods-dcgm-t1.prom", NULL);
    const struct want w[] = {{"team-u", "nolimit-0", 60000, -1},
                             {"team-r", "wait-0", 18000, -1},
                             {"team-p", "serve-0", 12000, 200000},
                             {"team-q", "train-1", 48000, 800001}};
    expect(r, w, 4, NULL);
    assert_int_equal(r->pods_bad, 2);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->st.idle_gpu_ms, 42000); /* team-r's stranded 70 % */
    assert_int_equal(r->ncap, 2);                /* two nodes */
    assert_string_equal(r->cap[0].node, "gpu-node-2");
    assert_string_equal(r->cap[1].node, "worker-a800-1");
}

/* The pods file and the scheduler's series stating the same container
 * count it once. */
static void test_hami_annotation_and_scheduler_count_once(void **state)
{
    struct run *r = *state;
    round_at(r, "2026-11-01T00:00:00Z", "hami-pods.json", false, "hami-pods-dcgm-t0.prom",
             "hami-pods-scheduler.prom");
    round_at(r, "2026-11-01T00:01:00Z", "hami-pods.json", false, "hami-pods-dcgm-t1.prom",
             "hami-pods-scheduler.prom");
    const struct want w[] = {{"team-u", "nolimit-0", 60000, -1},
                             {"team-r", "wait-0", 18000, -1},
                             {"team-p", "serve-0", 12000, 200000},
                             {"team-q", "train-1", 48000, 800001}};
    expect(r, w, 4, NULL);
}

/* Energy shares never sum above the physical device's energy, nor time
 * shares above its window, whatever the shares stated: random tenants and
 * shares (fixed seed) on one GPU, metered through device_meter. */
static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_hami_energy_shares_never_exceed_the_device(void **state)
{
    (void)state;
    uint64_t seed = 3535;
    for (int round = 0; round < 500; round++) {
        struct state st;
        state_init(&st);
        int64_t dt = 1 + (int64_t)(xorshift(&seed) % 300000);
        /* up to 2 kW over the window: the event contract refuses an absurd draw */
        int64_t energy = (int64_t)(xorshift(&seed) % (uint64_t)(dt * 2000 + 1));
        size_t n = 1 + xorshift(&seed) % 12;
        int64_t sum_gpu = 0, sum_energy = 0, capacity_idle = -1;
        for (int k = 0; k < 2; k++) {
            struct cycle cy = {.state = &st, .at_ms = 1000000 + k * dt, .max_gap_ms = 300000,
                               .kind = "p", .cluster = "c", .site = "s"};
            struct device_set set = {0};
            struct device_reading *r = device_get(&set, "GPU-p", "", "n", "GPU-p");
            strcpy(r->model, "H800");
            strcpy(r->vendor, "nvidia");
            r->has_energy = true;
            r->energy_mj = k * energy;
            for (size_t i = 0; i < n; i++) {
                char job[16];
                snprintf(job, sizeof job, "pod-%zu", i);
                device_set_share(r, "team", job,
                                 (int64_t)(xorshift(&seed) % (DEVICE_SHARE_WHOLE + 1)));
            }
            device_meter(&cy, &set);
            device_set_free(&set);
            for (char *p = cy.out.buf; k && p && *p;) {
                char *nl = strchr(p, '\n'), *tab = strchr(p, '\t'), why[200];
                struct usage_event ev;
                if (event_decode(tab + 1, (size_t)(nl - tab - 1), &ev, why, sizeof why) != EVENT_OK)
                    fail_msg("round %d: an event the contract refuses: %s", round, why);
                if (ev.kind == EVENT_KIND_CAPACITY)
                    capacity_idle = ev.idle_energy_mj;
                else
                    sum_gpu += ev.gpu_ms, sum_energy += ev.energy_mj;
                p = nl + 1;
            }
            sb_free(&cy.out);
        }
        if (sum_gpu > dt || sum_energy > energy || capacity_idle != energy - sum_energy)
            fail_msg("round %d: %zu shares of %lld ms and %lld mJ sum to %lld ms and %lld mJ "
                     "(stranded %lld mJ): expected at most the device's, the rest stranded",
                     round, n, (long long)dt, (long long)energy, (long long)sum_gpu,
                     (long long)sum_energy, (long long)capacity_idle);
        state_free(&st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hami_energy_split_by_cores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_memory_shares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_memory_overcommitted_is_clamped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hami_memory_share_needs_every_pod_memory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hami_real_scheduler_memory_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_real_monitor_with_dcgm_energy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hami_without_dcgm_has_no_energy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_pod_annotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_annotation_and_scheduler_count_once, setup,
                                        teardown),
        cmocka_unit_test(test_hami_energy_shares_never_exceed_the_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
