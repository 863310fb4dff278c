/* health: a device's health over its window, from the signals its scrape
 * carries (docs/availability.md, "What collectors read").
 *
 * health_meter runs for each physical device of a scrape (device_meter,
 * after its usage), when the collector was started with --health
 * (cy->health). It compares the scrape's signals (device.h's
 * device_signals) with the device's health state of the previous scrape
 * ("health <key>": the last XID, the uncorrectable ECC count) and, when the
 * device's window is charged, emits one health event (core/event.h, kind
 * "health") for the window:
 *  - xid:<n>: DCGM_FI_DEV_XID_ERRORS, the last XID, is not 0 and not the
 *    value of the previous scrape (a new XID in the window);
 *  - ecc_dbe: DCGM_FI_DEV_ECC_DBE_VOL_TOTAL went up;
 *  - row_remap_failure: DCGM_FI_DEV_ROW_REMAP_FAILURE is not 0;
 *  - nvlink_errors: DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL or
 *    DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL went up;
 *  - npu_health:<n>: npu_chip_info_health_status is not 1 (healthy).
 * Each reason's state is the table's (core/health_reasons.h); a code the
 * table does not know is degraded; a reason whose state is up (it does not
 * affect the device) is not listed. The window's state is the worst of its
 * reasons, up with none. The state is updated on every scrape, also the
 * baseline and a gap, so a window never reports an XID from before it.
 * Not thread-safe: one collector thread owns a cycle and its state. */
#ifndef GPUMETER_HEALTH_H
#define GPUMETER_HEALTH_H

#include "ingest/cycle.h"
#include "ingest/device.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The n readings g[0..n) of one physical device (a MIG GPU's instances
 * repeat its signals; the first present counts), its window starting at
 * start_ms and ending at cy->at_ms; charged: whether the window is metered
 * (not a baseline nor a gap), else only the state moves. */
void health_meter(struct cycle *cy, const struct device_reading *g, size_t n, bool charged,
                  int64_t start_ms);

/* The reasons of one window: what health_meter derives, for tests. prev
 * holds the previous scrape's last XID, ECC count, NVLink replay and
 * recovery counts (-1: none) and is moved to this scrape's. ev receives
 * state, nreasons and reasons. Pure; thread-safe. */
void health_derive(const struct device_signals *now, int64_t prev[4], struct usage_event *ev);

#endif
