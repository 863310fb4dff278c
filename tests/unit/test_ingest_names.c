/* Issue 35 review: every valid Kubernetes pod name (a DNS subdomain of up
 * to 253 bytes) is metered as the event's job through every collector that
 * reads pods from a Prometheus scrape, a longer one is a bad line; and a
 * device's metered series repeated in one scrape with another value is a
 * bad line that leaves the first value standing (equal repeats, as
 * dcgm-exporter 4.x writes one per pod, are fine). Label sets are those of
 * the published fixtures in tests/fixtures/ingest (dcgm-exporter, npu-exporter,
 * mlu-exporter, mx-exporter, HAMi's scheduler), with the pod name changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ingest_run.h"

#include "ingest/dcgm.h"
#include "ingest/hami.h"
#include "ingest/mlu.h"
#include "ingest/tokens.h"
#include "ingest/vendor.h"

/* The length a Kubeflow PyTorchJob worker's pod name easily reaches. */
static const char pod69[] = "pytorchjob-llama3-70b-sft-lora-rank64-2026-11-30-worker-12-x7k2q-abcd";

/* A DNS subdomain of n bytes: labels of at most 63 joined by dots. */
static void subdomain(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (i + 1) % 64 == 0 ? '.' : (char)('a' + (i / 64) % 26);
    out[n] = '\0';
}

/* Each source's scrape of one device held by one pod, "%s" the pod name;
 * usage_ms is the GPU-ms of a 60 s window the pod is billed. */
struct source {
    const char *name;
    parser parse;
    const char *scrape;
    int64_t usage_ms;
};

static const struct source sources[] = {
    {"dcgm", dcgm_parse,
     "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\","
     "modelName=\"NVIDIA H800\",Hostname=\"n1\",container=\"c\",namespace=\"team-a\","
     "pod=\"%s\"} 300.000000\n",
     60000},
    {"npu", dcgm_parse_npu,
     "npu_chip_info_power{id=\"0\",model_name=\"Ascend910B3\",vdie_id=\"1a2b\","
     "namespace=\"team-npu\",pod_name=\"%s\",container_name=\"ms\"} 300\n",
     60000},
    {"mlu", mlu_parse,
     "mlu_power_usage{mlu=\"0\",model=\"MLU370-X8\",node=\"mlu-node-1\",type=\"mlu370\","
     "uuid=\"9d3c4a6e-5b1f-4c2e-8a7d-2f1e0b9c8a01\",vf=\"\"} 150\n"
     "mlu_container{container=\"worker\",mlu=\"0\",model=\"MLU370-X8\",namespace=\"training\","
     "node=\"mlu-node-1\",pod=\"%s\",type=\"mlu370\",uuid=\"9d3c4a6e-5b1f-4c2e-8a7d-2f1e0b9c8a01\","
     "vf=\"\"} 1\n",
     60000},
    {"metax", vendor_parse_metax,
     "mx_board_power{Hostname=\"mx-node1\",deviceId=\"0\",modelName=\"MXC500\","
     "namespace=\"team-mx\",pod=\"%s\",container=\"trainer\","
     "uuid=\"GPU-5e0d3a1c-0000-4c1a-9a55-c500a0000001\"} 215433\n",
     60000},
    {"hami", hami_parse,
     "hami_vgpu_core_allocated_ratio{container_index=\"0\",device_uuid=\"GPU-aaaa\","
     "namespace=\"team-a\",node=\"gpu-node-1\",pod=\"%s\",zone=\"vGPU\"} 30\n"
     "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\","
     "modelName=\"NVIDIA H800\",Hostname=\"dcgm-exporter-x7k2p\"} 300.000000\n",
     18000},
};

/* Two rounds 60 s apart of source's scrape with pod: the second's events. */
static void meter_pod(struct run *r, const struct source *s, const char *pod)
{
    char text[2048];
    int n = snprintf(text, sizeof text, s->scrape, pod);
    assert_true(n > 0 && (size_t)n < sizeof text);
    scrape_text(r, s->parse, text, (size_t)n, s->name, "2026-11-30T08:00:00Z", NULL, NULL);
    scrape_text(r, s->parse, text, (size_t)n, s->name, "2026-11-30T08:01:00Z", NULL, NULL);
}

/* A 69-byte and a 253-byte pod name are each one usage event whose job is
 * the pod, whole; before, any pod over 64 bytes was a bad line and the
 * device went unmetered. */
static void test_long_pod_names_metered(void **state)
{
    char pod253[254];
    subdomain(pod253, 253);
    assert_int_equal(strlen(pod69), 69);
    const char *pods[] = {pod69, pod253};
    for (size_t k = 0; k < sizeof sources / sizeof sources[0]; k++)
        for (size_t p = 0; p < 2; p++) {
            struct run *r = *state;
            state_free(&r->state);
            state_init(&r->state);
            meter_pod(r, &sources[k], pods[p]);
            if (r->bad != 0 || r->n != 1)
                fail_msg("%s, %zu-byte pod: expected 0 bad lines and 1 usage event, got %ld and "
                         "%d",
                         sources[k].name, strlen(pods[p]), r->bad, r->n);
            assert_string_equal(r->ev[0].job, pods[p]);
            assert_int_equal(r->ev[0].gpu_ms, sources[k].usage_ms);
        }
}

/* A 254-byte pod name is no Kubernetes name: its line is one bad line and
 * no usage is billed to it (nor to a cut-short name). */
static void test_pod_name_over_253_bad_line(void **state)
{
    char pod254[255];
    subdomain(pod254, 254);
    for (size_t k = 0; k < sizeof sources / sizeof sources[0]; k++) {
        struct run *r = *state;
        state_free(&r->state);
        state_init(&r->state);
        meter_pod(r, &sources[k], pod254);
        if (r->bad != 1 || r->n != 0)
            fail_msg("%s, 254-byte pod: expected 1 bad line and no usage, got %ld and %d",
                     sources[k].name, r->bad, r->n);
    }
}

/* HAMi's allocation from `kubectl get pods -o json` (hami-pods.json's
 * shape): the pod (its metadata.name) holding 20% of GPU-aaaa's cores. */
static char pods_json[1024];
static long pods_bad;

static void hami_with_pods(const char *text, size_t len, struct device_source *src)
{
    struct rejects pods = {.origin = "pods"};
    hami_parse_pods(pods_json, strlen(pods_json), &pods, false, text, len, src);
    pods_bad += pods.bad;
}

static void test_hami_pods_file_long_names(void **state)
{
    static const char scrape[] =
        "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-aaaa\",device=\"nvidia0\","
        "modelName=\"NVIDIA H800\",Hostname=\"dcgm-exporter-x7k2p\"} 300.000000\n";
    char pod[256];
    for (size_t n = 253; n <= 254; n++) {
        struct run *r = *state;
        state_free(&r->state);
        state_init(&r->state);
        subdomain(pod, n);
        snprintf(pods_json, sizeof pods_json,
                 "{\"items\":[{\"metadata\":{\"name\":\"%s\",\"namespace\":\"team-a\","
                 "\"annotations\":{\"hami.io/vgpu-devices-allocated\":"
                 "\"GPU-aaaa,NVIDIA,1024,20:;\",\"hami.io/vgpu-node\":\"gpu-node-1\"}},"
                 "\"spec\":{\"nodeName\":\"gpu-node-1\"},\"status\":{\"phase\":\"Running\"}}]}",
                 pod);
        pods_bad = 0;
        scrape_text(r, hami_with_pods, scrape, sizeof scrape - 1, "hami", "2026-11-30T08:00:00Z",
                    NULL, NULL);
        scrape_text(r, hami_with_pods, scrape, sizeof scrape - 1, "hami", "2026-11-30T08:01:00Z",
                    NULL, NULL);
        if (n == 253) {
            if (pods_bad != 0 || r->n != 1)
                fail_msg("253-byte pod in --pods: expected no bad pod and 1 usage event, got %ld "
                         "and %d",
                         pods_bad, r->n);
            assert_string_equal(r->ev[0].job, pod);
            assert_int_equal(r->ev[0].gpu_ms, 12000);
        } else if (pods_bad != 2 || r->n != 0) {
            fail_msg("254-byte pod in --pods: expected 1 bad pod a round and no usage, got %ld "
                     "and %d",
                     pods_bad, r->n);
        }
    }
}

/* The event contract carries a job of up to 253 bytes, and no more. */
static void test_event_job_253_bytes(void **state)
{
    (void)state;
    char job[256], json[1024], why[200];
    struct usage_event ev;
    for (size_t n = 253; n <= 254; n++) {
        subdomain(job, n);
        int len = snprintf(json, sizeof json,
                           "{\"v\":1,\"source\":\"dcgm/c1/n1\",\"seq\":1,\"account\":\"team-a\","
                           "\"cluster\":\"c1\",\"site\":\"s1\",\"model\":\"H800\",\"vendor\":"
                           "\"nvidia\",\"job\":\"%s\",\"start\":\"2026-11-30T08:00:00Z\","
                           "\"end\":\"2026-11-30T08:01:00Z\",\"gpu_ms\":60000}",
                           job);
        enum event_error e = event_decode(json, (size_t)len, &ev, why, sizeof why);
        if (n == 253) {
            if (e != EVENT_OK) fail_msg("253-byte job: expected ok, got %s", why);
            assert_string_equal(ev.job, job);
            struct strbuf sb = STRBUF_INIT;
            event_encode(&ev, &sb);
            assert_non_null(strstr(sb.buf, job));
            sb_free(&sb);
        } else {
            assert_int_equal(e, EVENT_ERR_INVALID);
        }
    }
}

/* A trainer reports tokens under its pod's name, the job its GPU time is
 * metered under (billing joins the two on the job): a 253-byte job is
 * accepted, and two that differ only in their last byte, under a 128-byte
 * account, keep high-water marks of their own (a key cut short would have
 * merged them and billed the second nothing); a 254-byte job is a bad line. */
static void test_tokens_job_253_bytes(void **state)
{
    struct run *r = *state;
    char job[256], account[129], text[2048];
    subdomain(job, 253);
    memset(account, 'a', 128);
    account[128] = '\0';
    int n = 0;
    for (int k = 0; k < 2; k++) {
        job[252] = k ? 'y' : 'x';
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "{\"job\":\"%s\",\"account\":\"%s\",\"tokens\":%d,"
                      "\"time\":\"2026-11-30T08:00:00Z\"}\n",
                      job, account, 1000 * (k + 1));
    }
    subdomain(job, 254);
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "{\"job\":\"%s\",\"account\":\"%s\",\"tokens\":5,"
                  "\"time\":\"2026-11-30T08:00:00Z\"}\n",
                  job, account);
    assert_true((size_t)n < sizeof text);
    struct cycle cy;
    cycle_start(r, &cy, at("2026-11-30T08:01:00Z"));
    struct rejects rep = {.origin = "t"};
    long accepted = tokens_collect(&cy, text, (size_t)n, &rep);
    cycle_end(r, &cy);
    if (accepted != 2 || rep.bad != 1 || r->n != 2)
        fail_msg("expected 2 reports accepted, 1 bad line, 2 events; got %ld, %ld, %d", accepted,
                 rep.bad, r->n);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(strlen(r->ev[k].job), 253);
        assert_string_equal(r->ev[k].account, account);
    }
    assert_int_equal(r->ev[0].tokens + r->ev[1].tokens, 3000);
}

/* One scrape parsed (no metering): its readings and bad lines. */
static long parse_only(parser parse, const char *text, struct device_set *set)
{
    struct rejects rep = {.origin = "t"};
    struct device_source src = {"this-host", false, "unknown", NULL, NULL, set, &rep};
    parse(text, strlen(text), &src);
    return rep.bad;
}

/* A repeat of a metered series with another value: one bad line, the
 * first value stands; equal repeats (dcgm-exporter 4.x: one copy per pod)
 * are no bad line. Before, the last value silently won. */
static void test_repeated_series_another_value(void **state)
{
    (void)state;
#define DCGM_GPU                                                                                   \
    "{gpu=\"0\",UUID=\"GPU-aaaa\",modelName=\"NVIDIA H800\",Hostname=\"n1\",namespace=\"t\","
#define MLU_CARD "{model=\"MLU370-X8\",node=\"n1\",uuid=\"u1\",vf=\"\"}"
#define MX_CARD  "{Hostname=\"mx-node1\",modelName=\"MXC500\",uuid=\"GPU-m1\"}"
#define NPU_CHIP "{id=\"0\",model_name=\"Ascend910B3\"}"
    static const struct {
        const char *what;
        parser parse;
        const char *text;
        long bad;
        int which; /* 0 power_mw, 1 energy_mj, 2 fb_used_mib */
        int64_t value;
    } cases[] = {
        {"dcgm power", dcgm_parse,
         "DCGM_FI_DEV_POWER_USAGE" DCGM_GPU "pod=\"p1\"} 225\n"
         "DCGM_FI_DEV_POWER_USAGE" DCGM_GPU "pod=\"p2\"} 999\n",
         1, 0, 225000},
        {"dcgm power, equal copies per pod", dcgm_parse,
         "DCGM_FI_DEV_POWER_USAGE" DCGM_GPU "pod=\"p1\"} 225.5\n"
         "DCGM_FI_DEV_POWER_USAGE" DCGM_GPU "pod=\"p2\"} 225.500000\n",
         0, 0, 225500},
        {"dcgm energy", dcgm_parse,
         "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" DCGM_GPU "pod=\"p1\"} 5000000\n"
         "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" DCGM_GPU "pod=\"p2\"} 9000000\n",
         1, 1, 5000000},
        {"dcgm framebuffer", dcgm_parse,
         "DCGM_FI_DEV_FB_USED" DCGM_GPU "pod=\"p1\"} 1024\n"
         "DCGM_FI_DEV_FB_USED" DCGM_GPU "pod=\"p2\"} 80000\n",
         1, 2, 1024},
        {"mlu power", mlu_parse,
         "mlu_power_usage" MLU_CARD " 225\nmlu_power_usage" MLU_CARD " 999\n", 1, 0, 225000},
        {"metax power (mW)", vendor_parse_metax,
         "mx_board_power" MX_CARD " 61750\nmx_board_power" MX_CARD " 99000\n", 1, 0, 61750},
        {"npu power", dcgm_parse_npu,
         "npu_chip_info_power" NPU_CHIP " 300\nnpu_chip_info_power" NPU_CHIP " 95\n", 1, 0,
         300000},
        {"npu power, equal", dcgm_parse_npu,
         "npu_chip_info_power" NPU_CHIP " 300\nnpu_chip_info_power" NPU_CHIP " 300\n", 0, 0,
         300000},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct device_set set = {0};
        long bad = parse_only(cases[k].parse, cases[k].text, &set);
        assert_int_equal(set.n, 1);
        const struct device_reading *r = &set.v[0];
        int64_t got = cases[k].which == 0   ? r->power_mw
                      : cases[k].which == 1 ? r->energy_mj
                                            : r->fb_used_mib;
        if (bad != cases[k].bad || got != cases[k].value)
            fail_msg("%s: expected %ld bad lines and %lld, got %ld and %lld", cases[k].what,
                     cases[k].bad, (long long)cases[k].value, bad, (long long)got);
        device_set_free(&set);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_long_pod_names_metered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pod_name_over_253_bad_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_pods_file_long_names, setup, teardown),
        cmocka_unit_test(test_event_job_253_bytes),
        cmocka_unit_test_setup_teardown(test_tokens_job_253_bytes, setup, teardown),
        cmocka_unit_test(test_repeated_series_another_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
