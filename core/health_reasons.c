/* health_reasons: the table of what each health signal means (see
 * health_reasons.h; every row's source is in docs/availability.md,
 * "Reasons").
 *
 * XID rows follow NVIDIA's Xid catalog as NVIDIA's own NVSentinel carries
 * it (xiderrorsmapping.csv: mnemonic, immediate action, FATAL/NONFATAL):
 * FATAL is DOWN (the catalog's action is a GPU reset or a reboot),
 * RESTART_APP is DEGRADED (the work was lost, the GPU takes new work),
 * IGNORE is UP. customer_caused is NVIDIA's k8s-device-plugin list of
 * application errors ("the GPU should still be healthy": 13, 31, 43, 45,
 * 68), the list NVIDIA's Xid document attributes to user applications. The
 * catalog's many unused, display and video-engine codes are left out: an
 * XID not here is degraded by the caller's rule, never down. */
#include "health_reasons.h"
#include "invariant.h"

#include <stdio.h>
#include <string.h>

#define UP HEALTH_UP
#define DEGRADED HEALTH_DEGRADED
#define DOWN HEALTH_DOWN
#define CUSTOMER true
#define OPERATOR false

const struct health_reason health_reason_rows[] = {
    /* NVIDIA XIDs, ascending (the catalog's mnemonic in the comment) */
    {"xid:8", DEGRADED, OPERATOR, /* ROBUST_CHANNEL_FIFO_ERROR_IDLE_TIMEOUT */
     "GPU stopped processing (idle timeout): the running work was lost; restart it"},
    {"xid:13", DEGRADED, CUSTOMER, /* ROBUST_CHANNEL_GR_EXCEPTION */
     "graphics engine exception: NVIDIA attributes it to the application (e.g. an "
     "out-of-range access)"},
    {"xid:31", DEGRADED, CUSTOMER, /* ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT */
     "GPU memory page fault: the application accessed memory it does not own"},
    {"xid:32", DEGRADED, OPERATOR, /* ROBUST_CHANNEL_PBDMA_ERROR */
     "invalid or corrupted push buffer stream: the running work was lost; restart it"},
    {"xid:43", UP, CUSTOMER, /* ROBUST_CHANNEL_RESETCHANNEL_VERIF_ERROR */
     "GPU stopped processing the application's channel after its own fault; the GPU "
     "stays healthy"},
    {"xid:45", DEGRADED, CUSTOMER, /* ROBUST_CHANNEL_PREEMPTIVE_REMOVAL */
     "preemptive cleanup of the application's channels after it ended or after an "
     "earlier error"},
    {"xid:46", DOWN, OPERATOR, /* ROBUST_CHANNEL_GPU_TIMEOUT_ERROR */
     "GPU timeout: the GPU stopped answering the driver; it needs a reset"},
    {"xid:48", DOWN, OPERATOR, /* ROBUST_CHANNEL_GPU_ECC_DBE */
     "double-bit (uncorrectable) ECC error in GPU memory; the GPU needs a reset"},
    {"xid:62", DOWN, OPERATOR, /* PMU_HALT_ERROR */
     "the GPU's internal micro-controller halted; the GPU needs a reset"},
    {"xid:63", UP, OPERATOR, /* INFOROM_DRAM_RETIREMENT_EVENT */
     "a memory page or row was marked for retirement or remapping at the next reset; "
     "work continues"},
    {"xid:64", DOWN, OPERATOR, /* INFOROM_DRAM_RETIREMENT_FAILURE */
     "memory page retirement or row remapping failed; the GPU needs a reset"},
    {"xid:68", DEGRADED, CUSTOMER, /* ROBUST_CHANNEL_NVDEC0_ERROR */
     "video decoder exception in the application's work"},
    {"xid:69", DEGRADED, OPERATOR, /* ROBUST_CHANNEL_GR_CLASS_ERROR */
     "graphics engine class error: the running work was lost; restart it"},
    {"xid:74", DOWN, OPERATOR, /* NVLINK_ERROR */
     "NVLink error: NVIDIA marks it fatal; the GPU needs a reset"},
    {"xid:79", DOWN, OPERATOR, /* ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS */
     "GPU has fallen off the bus: unreachable until the machine is restarted"},
    {"xid:92", UP, OPERATOR, /* EXCESSIVE_SBE_INTERRUPTS */
     "high rate of corrected single-bit ECC errors; work continues"},
    {"xid:94", DEGRADED, OPERATOR, /* ROBUST_CHANNEL_CONTAINED_ERROR */
     "contained ECC error: the affected application was stopped, the GPU takes new work"},
    {"xid:95", DOWN, OPERATOR, /* ROBUST_CHANNEL_UNCONTAINED_ERROR */
     "uncontained ECC error; the GPU needs a reset"},
    {"xid:109", DOWN, OPERATOR, /* ROBUST_CHANNEL_CTXSW_TIMEOUT_ERROR */
     "context switch timeout; the GPU needs a reset"},
    {"xid:119", DOWN, OPERATOR, /* GSP_RPC_TIMEOUT */
     "GSP firmware stopped answering the driver; the GPU needs a reset"},
    {"xid:120", DOWN, OPERATOR, /* GSP_ERROR */
     "GSP firmware error; the GPU needs a reset"},
    {"xid:136", DOWN, OPERATOR, /* ALI_TRAINING_FAIL */
     "NVLink link training failed; the GPU needs a reset"},
    {"xid:140", DOWN, OPERATOR, /* UNRECOVERABLE_ECC_ERROR_ESCAPE */
     "an uncorrectable ECC error escaped containment; the GPU needs a reset"},
    {"xid:143", DOWN, OPERATOR, /* GPU_INIT_ERROR */
     "GPU initialisation failed; the GPU needs a reset"},

    /* dcgm-exporter's health fields (DCGM's failure reasons, NVIDIA's memory
     * error management guide) */
    {"ecc_dbe", DOWN, OPERATOR,
     "uncorrectable (double-bit) ECC errors since the last reset; the GPU needs a reset"},
    {"row_remap_failure", DOWN, OPERATOR,
     "a memory row could not be remapped (NVIDIA's RMA policy defines it); field diagnostics"},
    {"row_remap_pending", UP, OPERATOR,
     "a row remap waits for the next GPU reset; running and new work are unaffected"},
    {"nvlink_down", DEGRADED, OPERATOR,
     "an NVLink is down: the GPU runs work alone, work across GPUs loses the link"},
    {"nvlink_errors", DEGRADED, OPERATOR,
     "NVLink replay or recovery errors (DCGM's NVLINK_ERROR_CRITICAL): work across GPUs "
     "slowed or lost; the GPU runs work alone"},

    /* what the collector itself sees (gpumeter's rule, no vendor list) */
    {"scrape_failed", DOWN, OPERATOR,
     "the node's exporter did not answer: nothing shows the device was delivered"},
    {"device_gone", DOWN, OPERATOR,
     "the exporter answered but no longer lists the device"},

    /* Huawei npu-exporter's npu_chip_info_health_status */
    {"npu_health:-1", DOWN, OPERATOR,
     "npu-exporter could not read the chip's health (its driver interface failed)"},
    {"npu_health:0", DOWN, OPERATOR, "npu-exporter reports the chip unhealthy"},
    {"npu_health:1", UP, OPERATOR, "npu-exporter reports the chip healthy"},

    /* Huawei MindCluster's processor fault levels (a fault code's level) */
    {"npu_fault:NotHandleFault", UP, OPERATOR,
     "chip fault that does not affect work; no action"},
    {"npu_fault:SubHealthFault", DEGRADED, OPERATOR,
     "chip is sub-healthy: jobs may leave it by their own strategy"},
    {"npu_fault:PreSeparateNPU", DEGRADED, OPERATOR,
     "chip runs its current work but takes no new work (pre-isolated)"},
    {"npu_fault:RestartRequest", DEGRADED, OPERATOR,
     "chip fault lost the running request; run the request again"},
    {"npu_fault:RestartBusiness", DEGRADED, OPERATOR,
     "chip fault lost the running job; run the job again"},
    {"npu_fault:FreeRestartNPU", DOWN, OPERATOR,
     "chip fault affects work; the chip needs a reset once it is idle"},
    {"npu_fault:RestartNPU", DOWN, OPERATOR,
     "chip fault affects work; the chip needs a reset now"},
    {"npu_fault:SeparateNPU", DOWN, OPERATOR,
     "chip fault cannot be recovered; the chip is isolated"},
};
const size_t health_reason_count = sizeof health_reason_rows / sizeof health_reason_rows[0];

const struct health_reason *health_reason_find(const char *code)
{
    if (!code) return NULL;
    for (size_t i = 0; i < health_reason_count; i++)
        if (!strcmp(health_reason_rows[i].code, code)) return &health_reason_rows[i];
    return NULL;
}

const struct health_reason *health_reason_xid(long xid)
{
    /* XIDs are positive; a zero or negative one is no XID at all */
    if (xid <= 0) return NULL;
    char code[32];
    int n = snprintf(code, sizeof code, "xid:%ld", xid);
    assert(n > 0 && (size_t)n < sizeof code);
    return health_reason_find(code);
}

void health_reasons_customer_caused_array(struct strbuf *out)
{
    bool first = true;
    sb_putc(out, '{');
    for (size_t i = 0; i < health_reason_count; i++) {
        if (!health_reason_rows[i].customer_caused) continue;
        /* codes are a-z, 0-9, ':' and '_' (the table's test): quoted all
         * the same, so that no code is ever read as NULL or split */
        assert(!strpbrk(health_reason_rows[i].code, "\"\\,{} "));
        sb_printf(out, "%s\"%s\"", first ? "" : ",", health_reason_rows[i].code);
        first = false;
    }
    sb_putc(out, '}');
}
