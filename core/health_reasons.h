/* health_reasons: what each health signal means for a device's state.
 *
 * One table of reasons (docs/availability.md): a stable code per signal
 * ("xid:79", "ecc_dbe", "row_remap_failure", "nvlink_down",
 * "npu_health:2", "scrape_failed", "device_gone"), the state it puts the
 * device in, whether NVIDIA or Huawei attribute it to the application
 * (then it is excluded from downtime) and one line for people. The codes
 * are what health events carry (core/event.h, "reasons").
 *
 * This interface is agreed between the health path (issue 36, r36a) and
 * the reasons table (r36b): this file holds a stub of a few entries, which
 * the full table built from NVIDIA's XID catalog and Huawei's npu-exporter
 * health codes replaces. Pure; thread-safe (read-only data). */
#ifndef GPUMETER_HEALTH_REASONS_H
#define GPUMETER_HEALTH_REASONS_H

#include <stdbool.h>

enum health_state { HEALTH_UP = 0, HEALTH_DEGRADED = 1, HEALTH_DOWN = 2 };

struct health_reason {
    const char *code;      /* stable reason code, e.g. "xid:79", "ecc_dbe", "row_remap_failure", "nvlink_down", "npu_health:2", "scrape_failed", "device_gone" */
    enum health_state state;
    bool customer_caused;  /* NVIDIA attributes it to the application (e.g. XID 13, 31, 43): excluded from downtime */
    const char *why;       /* one line for people */
};

/* The reason of an XID; NULL when the catalog has no entry (the caller then
 * treats it as "xid:<n>" degraded). */
const struct health_reason *health_reason_xid(long xid);
/* The reason for a code ("ecc_dbe", "npu_health:2", "scrape_failed", ...);
 * NULL when unknown. */
const struct health_reason *health_reason_find(const char *code);

#endif
