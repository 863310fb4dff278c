/* health_reasons: a stub of the reasons table (see health_reasons.h).
 *
 * Only the entries the health path needs to run end to end; the reasons
 * table of issue 36 (NVIDIA's XID catalog, Huawei's health codes, with
 * their citations in docs/availability.md) replaces this file whole. */
#include "health_reasons.h"

#include <stdio.h>
#include <string.h>

static const struct health_reason reasons[] = {
    {"xid:13", HEALTH_DEGRADED, true, "graphics engine exception, usually the application's"},
    {"xid:31", HEALTH_DEGRADED, true, "GPU memory page fault, usually the application's"},
    {"xid:43", HEALTH_DEGRADED, true, "GPU stopped processing, usually the application's"},
    {"xid:48", HEALTH_DEGRADED, false, "double-bit ECC error"},
    {"xid:79", HEALTH_DOWN, false, "GPU has fallen off the bus"},
    {"ecc_dbe", HEALTH_DEGRADED, false, "uncorrectable (double-bit) ECC errors increased"},
    {"row_remap_failure", HEALTH_DEGRADED, false, "a memory row could not be remapped"},
    {"nvlink_down", HEALTH_DEGRADED, false, "NVLink errors increased"},
    {"npu_health:0", HEALTH_DOWN, false, "Ascend chip health reports the chip unhealthy"},
    {"npu_health:2", HEALTH_DEGRADED, false, "Ascend chip health reports a general warning"},
    {"scrape_failed", HEALTH_DOWN, false, "the node's exporter did not answer its scrape"},
    {"device_gone", HEALTH_DOWN, false, "the exporter no longer reports the device"},
};

const struct health_reason *health_reason_find(const char *code)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (!strcmp(reasons[i].code, code)) return &reasons[i];
    return NULL;
}

const struct health_reason *health_reason_xid(long xid)
{
    char code[32];
    snprintf(code, sizeof code, "xid:%ld", xid);
    return health_reason_find(code);
}
