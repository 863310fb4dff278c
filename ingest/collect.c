/* collect: the family of collectors, one subcommand per telemetry source. */
#include "commands.h"
#include "core/cli.h"
#include "ingest/collector.h"
#include "ingest/sacct.h"
#include "ingest/tokens.h"
#include "ingest/trainer_log.h"
#include "ingest/reporters.h"
#include "ingest/synthetic.h"
#include "ingest/dcgm.h"
#include "ingest/nvsmi.h"
#include "ingest/hami.h"
#include "ingest/mlu.h"
#include "ingest/npusmi.h"
#include "ingest/vendor.h"

#include <stddef.h>

typedef void (*device_parser)(const char *text, size_t len, struct device_source *src);

/* Meters what an input's parser read (an input with no device is unusable)
 * and frees it; the number of devices. */
static long meter_set(struct cycle *cy, struct device_set *set, struct rejects *r)
{
    if (set->n == 0 && !r->unusable[0])
        rejects_unusable(r, "no accelerator in it (%ld bad lines)", r->bad);
    device_meter(cy, set);
    long n = (long)set->n;
    device_set_free(set);
    return n;
}

static long meter_devices(struct cycle *cy, const char *text, size_t len,
                          const struct collect_env *env, struct rejects *r, device_parser parse)
{
    struct device_set set = {0};
    struct device_source src = {
        env->node, env->node_override, env->model, env->account, env->map, &set, r};
    parse(text, len, &src);
    return meter_set(cy, &set, r);
}

/* The sources whose parser reads the whole input into devices, each
 * metered by meter_devices with its parser. */
#define DEVICE_METER(name, parser)                                                                 \
    static long name(struct cycle *cy, const char *text, size_t len,                               \
                     const struct collect_env *env, struct rejects *r)                             \
    {                                                                                              \
        return meter_devices(cy, text, len, env, r, parser);                                       \
    }
DEVICE_METER(meter_dcgm, dcgm_parse)
DEVICE_METER(meter_npu, dcgm_parse_npu)
DEVICE_METER(meter_dcu, dcgm_parse_dcu)
DEVICE_METER(meter_nvsmi, nvsmi_parse)
DEVICE_METER(meter_mlu, mlu_parse)
DEVICE_METER(meter_npusmi, npusmi_parse)
DEVICE_METER(meter_metax, vendor_parse_metax)
DEVICE_METER(meter_iluvatar, vendor_parse_iluvatar)

/* HAMi: the pods' annotations (--pods) and the scrapes (the scheduler's,
 * the monitors', the nodes' dcgm-exporters) are one reading, joined on the
 * GPU UUID; a pod that cannot be read counts against the pods file. Pods
 * unusable as a whole hold the round back (hami.h: nothing is read): the
 * input is refused with the pods' reason, nothing is metered and the run
 * exits 1, as when one of a joined round's URLs does not answer. */
static long meter_hami(struct cycle *cy, const char *text, size_t len,
                       const struct collect_env *env, struct rejects *r)
{
    struct device_set set = {0};
    /* the map's share: lines give an account's own basis (hami.h) */
    struct device_source src = {env->node, env->node_override, env->model, NULL, env->map,
                                &set,      r};
    struct rejects pods = {.origin = env->pods_origin};
    hami_parse_pods(env->pods, env->pods_len, &pods, env->memory_shares, text, len, &src);
    rejects_finish(&pods);
    if (pods.unusable[0]) log_error("%s: unusable input: %s", pods.origin, pods.unusable);
    cy->st.bad_lines += pods.bad; /* the round's, logged under the pods file, not the scrape's */
    if (pods.unusable[0] && !r->unusable[0])
        rejects_unusable(r, "the round's allocation (--pods) is unusable: not metered; its windows "
                            "wait for a round that reads it");
    return meter_set(cy, &set, r);
}

static long meter_sacct(struct cycle *cy, const char *text, size_t len,
                        const struct collect_env *env, struct rejects *r)
{
    long before = cy->events;
    sacct_collect(cy, text, len, env->sacct, r);
    return cy->events - before;
}

static long meter_tokens(struct cycle *cy, const char *text, size_t len,
                         const struct collect_env *env, struct rejects *r)
{
    if (env->trainer->format != TRAINER_LOG_JSONL)
        return trainer_log_collect(cy, text, len, env->trainer, r);
    return tokens_collect(cy, text, len, r);
}

static const struct collector_kind kinds[] = {
    {"dcgm", "meter GPUs from dcgm-exporter scrapes (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP | OPT_HEALTH, NULL, meter_dcgm},
    {"npu", "meter Ascend NPUs from npu-exporter scrapes (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP | OPT_HEALTH, NULL, meter_npu},
    {"nvidia-smi", "meter GPUs from nvidia-smi --query-gpu CSV",
     OPT_NODE | OPT_MODEL | OPT_ACCOUNT | OPT_MAP | OPT_GAP | OPT_HEALTH,
     "nvidia-smi --query-gpu=uuid,name,power.draw,utilization.gpu --format=csv", meter_nvsmi},
    {"sacct", "meter Slurm GPU jobs from sacct --parsable2 output", OPT_MODEL | OPT_COLUMNS,
     "sacct --allusers --parsable2 --starttime now-2days "
     "--format=JobID,Account,AllocTRES,ElapsedRaw,ConsumedEnergyRaw,Start,End,State",
     meter_sacct},
    {"tokens", "meter training tokens from trainer reports (JSON lines, file or HTTP) or logs",
     OPT_LISTEN | OPT_TRAINER, NULL, meter_tokens},
    {"dcu", "meter Hygon DCUs from dcu-exporter scrapes (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP | OPT_HEALTH, NULL, meter_dcu},
    {"hami", "meter shares of GPUs from HAMi scheduler and vGPU monitor scrapes or --pods "
             "annotations, energy from the nodes' dcgm-exporters (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP | OPT_JOIN | OPT_HAMI, NULL, meter_hami},
    {"mlu", "meter Cambricon MLUs from mlu-exporter scrapes (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP | OPT_HEALTH, NULL, meter_mlu},
    {"npu-smi", "meter Ascend NPUs, die by die, from the npu-smi info table",
     OPT_NODE | OPT_ACCOUNT | OPT_MAP | OPT_GAP, "npu-smi info", meter_npusmi},
    {"metax", "meter MetaX GPUs from mx-exporter scrapes (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP, NULL, meter_metax},
    {"iluvatar", "meter Iluvatar CoreX GPUs from ix-exporter scrapes (Prometheus text)",
     OPT_URLS | OPT_NODE | OPT_MODEL | OPT_MAP | OPT_GAP, NULL, meter_iluvatar},
};

#define KIND_COMMAND(var, index)                                                                   \
    static int var(int argc, char **argv)                                                          \
    {                                                                                              \
        return collector_main(&kinds[index], argc, argv);                                          \
    }
KIND_COMMAND(collect_dcgm, 0)
KIND_COMMAND(collect_npu, 1)
KIND_COMMAND(collect_nvsmi, 2)
KIND_COMMAND(collect_sacct, 3)
KIND_COMMAND(collect_tokens, 4)
KIND_COMMAND(collect_dcu, 5)
KIND_COMMAND(collect_hami, 6)
KIND_COMMAND(collect_mlu, 7)
KIND_COMMAND(collect_npusmi, 8)
KIND_COMMAND(collect_metax, 9)
KIND_COMMAND(collect_iluvatar, 10)

static int (*const runners[])(int, char **) = {collect_dcgm, collect_npu, collect_nvsmi,
                                               collect_sacct, collect_tokens,
                                               collect_dcu,  collect_hami,
                                               collect_mlu,  collect_npusmi,
                                               collect_metax, collect_iluvatar};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Built once from kinds[] (each kind's name and summary are written there
 * alone); on the main thread, as cli.h's dispatch is. */
const struct cli_command *collect_commands(void)
{
    static struct cli_command table[NKINDS + 3];
    if (table[0].name) return table;
    for (size_t i = 0; i < NKINDS; i++)
        table[i] = (struct cli_command){kinds[i].name, runners[i], kinds[i].summary, NULL};
    table[NKINDS] = (struct cli_command){
        "synthetic", synthetic_collect, "generate a simulated month of usage with known totals",
        NULL};
    table[NKINDS + 1] = (struct cli_command){
        "reporter", cmd_collect_reporter,
        "the token endpoint's per-reporter credentials", collect_reporter_commands};
    table[NKINDS + 2] = (struct cli_command){NULL, NULL, NULL, NULL};
    return table;
}

int cmd_collect(int argc, char **argv)
{
    return cli_dispatch("gpumeter collect", collect_commands(), argc, argv);
}
