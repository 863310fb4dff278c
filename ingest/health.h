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
 *  - npu_health:<n>: npu_chip_info_health_status is not 1 (healthy);
 *  - mlu_health:<n>: mlu_health (Cambricon mlu-exporter) is not 1 (healthy);
 *  - dcu_ue: dcu_ue_count (Hygon dcu-exporter), summed over the card's RAS
 *    blocks, went up.
 * Each reason's state is the table's (core/health_reasons.h); a code the
 * table does not know is degraded; a reason whose state is up (it does not
 * affect the device) is not listed. The window's state is the worst of its
 * reasons, up with none. The state is updated on every scrape, also the
 * baseline and a gap, so a window never reports an XID from before it.
 * health_gone then reports the devices the input no longer lists
 * (device_gone), from the state's "hseen <input> ..." entries that
 * health_meter keeps per input and device.
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

/* device_gone: each device last seen in cy->scope (an input: a URL, a
 * file) that this scrape of it does not list gets a down window with
 * device_gone, from the end of its last window to cy->at_ms, while its
 * last sighting is at most cy->max_gap_ms back (the usage gap rule's
 * limit); after that it is not metered until it returns. A device that
 * returns starts its next window where its last one ended. Runs after
 * health_meter has seen every device of the scrape (device_meter), only
 * for a usable input with devices: an input that lists none is an error,
 * not every device gone. Windows in the order of the devices' keys. */
void health_gone(struct cycle *cy);

/* scrape_failed: cy->scope (a URL) did not answer this round, or waits in
 * its backoff after failing: each device last seen there gets a down
 * window with scrape_failed up to cy->at_ms, from the end of its last
 * window but never more than cy->max_gap_ms back (the time before, when
 * nothing ran, is not metered). Reported every round while the URL is
 * listed and failing, however long: the operator lists the node, and it
 * does not answer. Windows in the order of the devices' keys. */
void health_scrape_failed(struct cycle *cy);

/* The reasons of one window: what health_meter derives, for tests. prev
 * holds the previous scrape's last XID, uncorrectable count (a GPU's ECC
 * DBE or a DCU's RAS UE: a device has one or the other), NVLink replay and
 * recovery counts (-1: none) and is moved to this scrape's. ev receives
 * state, nreasons and reasons. Pure; thread-safe. */
void health_derive(const struct device_signals *now, int64_t prev[4], struct usage_event *ev);

#endif
