/* HAMi (issue 35): a GPU's energy from the node's dcgm-exporter joined on
 * its UUID and split by the same shares as its time, memory shares, the
 * pod annotation hami.io/vgpu-devices-allocated; every figure below is
 * computed by hand from the fixtures (tests/fixtures/ingest/hami-*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest/hami.h"
#include "ingest/hami_pods.h"
#include "ingest_run.h"

#include <unistd.h>

/* The fixtures' texts one after the other, as a joined round reads them. */
static void read_fixtures(struct strbuf *sb, const char *a, const char *b)
{
    struct strbuf one = STRBUF_INIT;
    sb_reset(sb);
    if (a) { /* NULL: no scrape, the pods alone */
        read_fixture(a, &one);
        sb_append(sb, one.buf, one.len);
    }
    if (b) {
        read_fixture(b, &one);
        sb_append(sb, one.buf, one.len);
    }
    sb_free(&one);
}

/* One round at at_ms of the pods (or NULL) and the scrapes' text, parsed
 * and metered. */
static void round_of_text(struct run *r, int64_t at_ms, const struct strbuf *pods, bool memory,
                          const struct strbuf *text)
{
    struct cycle cy;
    cycle_start(r, &cy, at_ms);
    cy.kind = "hami";
    struct device_set set = {0};
    struct rejects rep = {.origin = "scrape"}, prep = {.origin = "pods"};
    struct device_source src = {"this-host", false, "unknown", NULL, r->map, &set, &rep};
    hami_parse_pods(pods ? pods->buf : NULL, pods ? pods->len : 0, &prep, memory,
                    text->buf ? text->buf : "", text->len, &src);
    device_meter(&cy, &set);
    device_set_free(&set);
    cycle_end(r, &cy);
    r->bad = rep.bad;
    r->pods_bad = prep.bad;
}

/* One round at when: the pods (or NULL) and the scrapes, parsed and metered. */
static void round_at(struct run *r, const char *when, const char *pods_file, bool memory,
                     const char *a, const char *b)
{
    struct strbuf text = STRBUF_INIT, pods = STRBUF_INIT;
    read_fixtures(&text, a, b);
    if (pods_file) read_fixtures(&pods, pods_file, NULL);
    round_of_text(r, at(when), pods_file ? &pods : NULL, memory, &text);
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

/* HAMi's scheduler states other vendors' shares under the same names: its
 * website's example of an Ascend 310P share (device "aio-node74-arm-
 * Ascend310P-0", 50 % cores, 3 GiB) beside an NVIDIA GPU no pod holds.
 * collect hami meters NVIDIA GPUs only (docs/collectors.md, "Non-NVIDIA
 * devices"): each of the Ascend pod's series is a bad line, never a share
 * of an NVIDIA GPU of --model; its device is no GPU of the round; the
 * NVIDIA GPU is idle, its whole window unallocated. */
static void test_hami_other_vendors_devices_are_refused(void **state)
{
    struct run *r = *state;
    const char *f = "hami-scheduler-website-ascend310p.prom";
    round_at(r, "2026-11-01T00:00:00Z", NULL, false, f, NULL);
    round_at(r, "2026-11-01T00:01:00Z", NULL, false, f, NULL);
    expect(r, NULL, 0, NULL);
    if (r->bad != 2) fail_msg("expected 2 bad lines (the Ascend pod's cores and memory), got %ld",
                              r->bad);
    if (r->ncap != 1 || strcmp(r->cap[0].node, "aio-node67") || r->cap[0].devices != 1)
        fail_msg("expected one capacity event, aio-node67's one GPU, got %d (%s, %d devices)",
                 r->ncap, r->ncap ? r->cap[0].node : "-", r->ncap ? r->cap[0].devices : 0);
    assert_int_equal(r->st.idle_units, 1);
    assert_int_equal(r->st.idle_gpu_ms, 60000);
}

/* HAMi DRA's scheduler names (the HAMi website's DRA table): pod-0's
 * vGPUDeviceCoreAllocated 100 on GPU-82be-83fe-3068 is its cores share,
 * the whole 60 s window; the other P4 is idle. Under --share memory the
 * DRA memory series (MiB) is a bad line and the cores share stands. */
static void test_hami_dra_scheduler_names(void **state)
{
    struct run *r = *state;
    const char *f = "hami-scheduler-website-dra.prom";
    for (int memory = 0; memory < 2; memory++) {
        state_free(&r->state);
        state_init(&r->state);
        round_at(r, "2026-11-01T00:00:00Z", NULL, memory, f, NULL);
        round_at(r, "2026-11-01T00:01:00Z", NULL, memory, f, NULL);
        const struct want w[] = {{"default", "pod-0", 60000, -1}};
        expect(r, w, 1, "unknown");
        /* by memory: its MiB line refused, and then the pod states no
         * memory, so the device is shared by cores (two reasons) */
        if (r->bad != 2 * memory)
            fail_msg("expected %d bad lines, got %ld", 2 * memory, r->bad);
        assert_int_equal(r->st.idle_units, 1);
        assert_int_equal(r->st.idle_gpu_ms, 60000);
        assert_string_equal(r->cap[0].node, "k8s-node01");
        assert_int_equal(r->cap[0].devices, 2);
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

/* HAMi's dynamic MIG names an instance by its GPU's UUID and
 * [template-index] (HAMi issue 1054: "GPU-9192...[1-0],NVIDIA,10240,0:;").
 * The annotation does not say what part of the GPU the instance is, so
 * such a pod is a bad line with its reason, never billed as a whole GPU:
 * before, each instance was a device of its own and two pods on two 1g
 * instances of one GPU were billed 60,000 ms each in a 60 s window. The
 * ordinary 50 % share beside them is metered: 30,000 ms. */
static void test_hami_dynamic_mig_instances_are_refused(void **state)
{
    struct run *r = *state;
    const char *pods = "hami-pods-dynamic-mig.json";
    round_at(r, "2026-11-01T00:00:00Z", pods, false, NULL, NULL);
    round_at(r, "2026-11-01T00:01:00Z", pods, false, NULL, NULL);
    const struct want w[] = {{"team-c", "shared-0", 30000, -1}};
    expect(r, w, 1, NULL);
    if (r->pods_bad != 2)
        fail_msg("expected 2 bad lines (the two MIG instances' pods), got %ld", r->pods_bad);
    if (r->ncap != 1 || r->cap[0].devices != 1)
        fail_msg("expected one capacity event of 1 device, got %d events (%d devices)", r->ncap,
                 r->ncap ? r->cap[0].devices : 0);
}

/* An NVML MIG- uuid in the scheduler's series: HAMi states neither the
 * instance's part of the GPU nor which GPU it is on, so its pod is a bad
 * line, never a whole GPU (before: 60,000 ms in a 60 s window and a
 * capacity device of its own); the 50 % pod beside it is metered. */
static void test_hami_mig_uuid_is_refused(void **state)
{
    struct run *r = *state;
    const char *f = "hami-scheduler-mig-uuid.prom";
    round_at(r, "2026-11-01T00:00:00Z", NULL, false, f, NULL);
    round_at(r, "2026-11-01T00:01:00Z", NULL, false, f, NULL);
    const struct want w[] = {{"team-g", "half-0", 30000, -1}};
    expect(r, w, 1, NULL);
    if (r->bad != 1) fail_msg("expected 1 bad line (the MIG instance's pod), got %ld", r->bad);
    if (r->ncap != 1 || r->cap[0].devices != 1)
        fail_msg("expected one capacity event of 1 device, got %d events (%d devices)", r->ncap,
                 r->ncap ? r->cap[0].devices : 0);
}

static void count_device(const struct hami_pod_device *d, void *ctx)
{
    struct strbuf *seen = ctx;
    sb_printf(seen, "%s/%s@%s ", d->ns, d->pod, d->uuid);
}

/* A tenant writes its own pod's strings: a "\u0000" in an annotation (the
 * API server takes any string, kubectl writes it escaped) or more members
 * than the strict reader takes make that pod a bad line, not the whole
 * pods file unusable with every other pod's allocation in it. A document
 * whose structure is broken (cut off) is still unusable. */
static void test_hami_pods_one_bad_pod_is_one_bad_line(void **state)
{
    (void)state;
#define POD                                                                                 \
    "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\",\"annotations\":{%s"                 \
    "\"hami.io/vgpu-devices-allocated\":\"GPU-%s,NVIDIA,1000,30;\"}},"                         \
    "\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}"
    struct strbuf many = STRBUF_INIT, doc = STRBUF_INIT;
    for (int i = 0; i < 5000; i++)
        sb_printf(&many, "\"a%d\":\"\",", i);
    sb_printf(&doc, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
    sb_printf(&doc, POD, "good-0", "", "a");
    sb_printf(&doc, ",");
    sb_printf(&doc, POD, "evil-nul", "\"x\":\"a\\u0000b\",", "b");
    sb_printf(&doc, ",");
    sb_printf(&doc, POD, "evil-many", many.buf, "c");
    sb_printf(&doc, ",");
    sb_printf(&doc, POD, "good-1", "", "d");
    sb_printf(&doc, "],\"metadata\":{\"resourceVersion\":\"\"}}\n");
    struct strbuf seen = STRBUF_INIT;
    struct rejects rep = {.origin = "pods"};
    hami_pods_walk(doc.buf, doc.len, &rep, count_device, &seen);
    if (strcmp(sb_str(&seen), "ns/good-0@GPU-a ns/good-1@GPU-d ") || rep.bad != 2 ||
        rep.unusable[0])
        fail_msg("expected the two good pods and 2 bad, got '%s', %ld bad, unusable '%s'",
                 sb_str(&seen), rep.bad, rep.unusable);
    /* cut off in the middle: unusable, nothing walked */
    struct rejects cut = {.origin = "pods"};
    sb_reset(&seen);
    hami_pods_walk(doc.buf, doc.len / 2, &cut, count_device, &seen);
    if (seen.len || !cut.unusable[0])
        fail_msg("expected a cut document unusable with no pod, got '%s', unusable '%s'",
                 sb_str(&seen), cut.unusable);
    sb_free(&seen);
    sb_free(&many);
    sb_free(&doc);
#undef POD
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

/* A contract's own share basis (issue 35, deliverable 1): the map's
 * share:<account> line puts that account's pods on its basis, every other
 * account on --share. Two accounts on each GPU, team-m on memory and team-n
 * on cores (hami-share-basis.prom), the same rounds either way round:
 * team-m on memory by the map under the default cores, or team-n on cores
 * by the map under --share memory (that map's gpu: and node: lines move no
 * HAMi tenant). GPU-aaaa: 20/80 GiB = 25 % and 40 % cores, 65 %: 15,000 /
 * 24,000 ms, 21,000 stranded; energy 12,345,679 mJ by cumulative floors:
 * floor(x 0.25) = 3,086,419, floor(x 0.65) = 8,024,691 - 3,086,419 =
 * 4,938,272, stranded 4,320,988. GPU-bbbb, overcommitted: 48/80 GiB = 60 %
 * first in (account, job) order, then 70 % cores clamped to the 40 % left:
 * 36,000 / 24,000 ms, power's 21,000,000 mJ split 12,600,000 / 8,400,000.
 * GPU-dddd: team-m's memory share cannot be known (the device's memory is
 * not stated): a bad line, and its 20 % cores stand: 12,000 ms, 120,000 of
 * 600,000 mJ. */
static void test_hami_share_basis_per_account(void **state)
{
    struct run *r = *state;
    const struct {
        const char *map;
        bool memory; /* --share memory */
    } cases[] = {{FIXTURES "hami-share-basis-memory.map", false},
                 {FIXTURES "hami-share-basis-cores.map", true}};
    const struct want w[] = {{"team-m", "serve-0", 15000, 3086419},
                             {"team-n", "train-0", 24000, 4938272},
                             {"team-m", "serve-1", 36000, 12600000},
                             {"team-n", "train-1", 24000, 8400000},
                             {"team-m", "dev-0", 12000, 120000}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char err[256] = "";
        struct account_map *map = accounts_load(cases[k].map, err, sizeof err);
        if (!map) fail_msg("expected %s to load, got: %s", cases[k].map, err);
        state_free(&r->state);
        state_init(&r->state);
        r->map = map;
        round_at(r, "2026-11-01T00:00:00Z", NULL, cases[k].memory, "hami-share-basis.prom",
                 "hami-energy-dcgm-t0.prom");
        round_at(r, "2026-11-01T00:01:00Z", NULL, cases[k].memory, "hami-share-basis.prom",
                 "hami-energy-dcgm-t1.prom");
        r->map = NULL;
        accounts_free(map);
        expect(r, w, 5, "NVIDIA H800");
        assert_int_equal(r->bad, 1); /* GPU-dddd's memory, each round */
        assert_int_equal(r->st.idle_gpu_ms, 21000 + 48000);
        assert_int_equal(r->ncap, 1);
        assert_int_equal(r->cap[0].allocated_ms, 39000 + 60000 + 12000);
        assert_int_equal(r->cap[0].idle_energy_mj, 4320988 + 480000);
    }
}

/* A share: line whose basis is neither cores nor memory rejects the map,
 * naming the file and the line, as any bad line of it does. */
static void test_hami_share_basis_bad_line(void **state)
{
    (void)state;
    char err[256] = "";
    struct account_map *map = accounts_load(FIXTURES "hami-share-basis-bad.map", err, sizeof err);
    assert_null(map);
    assert_string_equal(err, FIXTURES "hami-share-basis-bad.map:3: the basis of share:<account> "
                             "must be cores or memory");
    /* a share: line naming no account is a slip, not a basis for everyone */
    char path[] = "/tmp/gpumeter-share-basis-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("share:team-m memory\nshare: memory\n", f);
    fclose(f);
    map = accounts_load(path, err, sizeof err);
    unlink(path);
    assert_null(map);
    char want[128];
    snprintf(want, sizeof want, "%s:2: share: names no account", path);
    assert_string_equal(err, want);
}

/* Mixed bases on one GPU never sum above its window: random pods on one
 * GPU, each of a random account whose basis is cores, memory or the
 * collector's --share (random too) by a random map, random cores percents
 * (0: no limit), memory allocations up to 1.5 x the device's (whose memory
 * is stated three times in four), and the GPU's energy counter: the shares
 * of the window and of the energy never sum above the GPU's, and the
 * capacity event's idle energy is exactly the rest. */
static void test_hami_mixed_bases_never_exceed_the_window(void **state)
{
    struct run *r = *state;
    static const char *const basis[] = {NULL, "cores", "memory"};
    uint64_t seed = 3536;
    for (int round = 0; round < 300; round++) {
        char path[] = "/tmp/gpumeter-share-basis-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        for (int a = 0; a < 4; a++) {
            const char *b = basis[xorshift(&seed) % 3];
            if (b) fprintf(f, "share:t%d %s\n", a, b);
        }
        fclose(f);
        char err[256] = "";
        struct account_map *map = accounts_load(path, err, sizeof err);
        unlink(path);
        if (!map) fail_msg("round %d: expected the map to load, got: %s", round, err);
        bool memory = xorshift(&seed) % 2;
        int64_t dt = 1 + (int64_t)(xorshift(&seed) % 300000);
        int64_t energy = (int64_t)(xorshift(&seed) % (uint64_t)(dt * 2000 + 1));
        int64_t mem = 1 + (int64_t)(xorshift(&seed) % (80LL << 30));
        bool mem_stated = xorshift(&seed) % 4 != 0;
        size_t n = 1 + xorshift(&seed) % 8;
        struct strbuf pods = STRBUF_INIT;
        if (mem_stated)
            sb_printf(&pods, "hami_gpu_memory_limit_bytes{device_uuid=\"GPU-f\",node=\"n\"} %lld\n",
                      (long long)mem);
        for (size_t i = 0; i < n; i++) {
            int account = (int)(xorshift(&seed) % 4);
            const char *labels = "container_index=\"0\",device_uuid=\"GPU-f\",node=\"n\"";
            sb_printf(&pods,
                      "hami_vgpu_core_allocated_ratio{%s,namespace=\"t%d\",pod=\"p%zu\"} %d\n",
                      labels, account, i, (int)(xorshift(&seed) % 101));
            sb_printf(&pods,
                      "hami_vgpu_memory_allocated_bytes{%s,namespace=\"t%d\",pod=\"p%zu\"} %lld\n",
                      labels, account, i,
                      (long long)(xorshift(&seed) % (uint64_t)(mem * 3 / 2 + 1)));
        }
        state_free(&r->state);
        state_init(&r->state);
        r->map = map;
        for (int k = 0; k < 2; k++) {
            struct strbuf text = STRBUF_INIT;
            sb_append(&text, pods.buf, pods.len);
            sb_printf(&text,
                      "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\",UUID=\"GPU-f\","
                      "modelName=\"NVIDIA H800\",Hostname=\"n\"} %lld\n",
                      (long long)(k * energy));
            round_of_text(r, 1000000 + k * dt, NULL, memory, &text);
            sb_free(&text);
        }
        r->map = NULL;
        accounts_free(map);
        sb_free(&pods);
        int64_t sum_gpu = 0, sum_energy = 0;
        for (int i = 0; i < r->n; i++)
            sum_gpu += r->ev[i].gpu_ms, sum_energy += r->ev[i].energy_mj;
        int64_t idle = r->ncap == 1 ? r->cap[0].idle_energy_mj : -1;
        if (r->n == 0 || sum_gpu > dt || sum_energy > energy || idle != energy - sum_energy)
            fail_msg("round %d: %d shares of %lld ms and %lld mJ sum to %lld ms and %lld mJ "
                     "(idle %lld mJ): expected at most the GPU's, the rest idle",
                     round, r->n, (long long)dt, (long long)energy, (long long)sum_gpu,
                     (long long)sum_energy, (long long)idle);
    }
}

/* A pods file unusable as a whole is a round without its allocation
 * (docs/collectors.md, hami): not JSON, no items array ({"items": 3}), cut
 * off, or no pod list at all. The round is not read: no event, no capacity,
 * no window moved, so the next round with the allocation bills the whole
 * 120 s since the last one read (team-a/infer-0: 30 % of GPU-aaaa =
 * 36,000 ms), and a wait past --max-gap (300 s here) follows the gap rule.
 * Before, the scrape was metered without the pods' allocation. */
static void test_hami_unusable_pods_hold_the_round_back(void **state)
{
    struct run *r = *state;
    static const char *const unusable[] = {"{\"items\": 3}", "not json",
                                           "{\"items\": [{\"metadata\": {", "{\"kind\": \"List\"}"};
    struct strbuf text = STRBUF_INIT, pods = STRBUF_INIT;
    read_fixtures(&text, "hami-shares.prom", NULL);
    sb_printf(&pods, "{\"items\": []}");
    round_of_text(r, at("2026-11-01T00:00:00Z"), &pods, false, &text);
    assert_int_equal(r->n, 0); /* the baseline */
    for (int i = 0; i < 4; i++) {
        struct strbuf bad = STRBUF_INIT;
        sb_printf(&bad, "%s", unusable[i]);
        round_of_text(r, at("2026-11-01T00:01:00Z") + i * 10000, &bad, false, &text);
        if (r->n || r->ncap || r->bad)
            fail_msg("pods '%s': expected the round held back (0 events, 0 capacity, the scrape "
                     "not read), got %d events, %d capacity, %ld bad lines",
                     unusable[i], r->n, r->ncap, r->bad);
        sb_free(&bad);
    }
    round_of_text(r, at("2026-11-01T00:02:00Z"), &pods, false, &text);
    if (r->n != 10 || strcmp(r->ev[0].job, "infer-0") || r->ev[0].gpu_ms != 36000)
        fail_msg("expected 10 shares over the 120 s since the last round read, team-a/infer-0 "
                 "36000 ms; got %d, %s %lld ms", r->n, r->n ? r->ev[0].job : "-",
                 r->n ? (long long)r->ev[0].gpu_ms : 0LL);
    struct strbuf bad = STRBUF_INIT;
    sb_printf(&bad, "%s", unusable[0]);
    round_of_text(r, at("2026-11-01T00:03:00Z"), &bad, false, &text);
    assert_int_equal(r->n + r->ncap, 0);
    round_of_text(r, at("2026-11-01T00:08:00Z"), &pods, false, &text);
    if (r->n || r->st.gaps != 7)
        fail_msg("expected the 360 s window past --max-gap a gap on each of the 7 GPUs, no "
                 "event; got %d events, %ld gaps", r->n, r->st.gaps);
    sb_free(&bad);
    sb_free(&pods);
    sb_free(&text);
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
        cmocka_unit_test_setup_teardown(test_hami_other_vendors_devices_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hami_dra_scheduler_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_real_monitor_with_dcgm_energy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hami_without_dcgm_has_no_energy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_pod_annotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_mig_uuid_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_dynamic_mig_instances_are_refused, setup,
                                        teardown),
        cmocka_unit_test(test_hami_pods_one_bad_pod_is_one_bad_line),
        cmocka_unit_test_setup_teardown(test_hami_annotation_and_scheduler_count_once, setup,
                                        teardown),
        cmocka_unit_test(test_hami_energy_shares_never_exceed_the_device),
        cmocka_unit_test_setup_teardown(test_hami_share_basis_per_account, setup, teardown),
        cmocka_unit_test(test_hami_share_basis_bad_line),
        cmocka_unit_test_setup_teardown(test_hami_mixed_bases_never_exceed_the_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hami_unusable_pods_hold_the_round_back, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
