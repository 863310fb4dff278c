/* health_reasons: what each health signal means for delivery, from the
 * vendors' published lists.
 *
 * A collector that sees a health signal (an NVIDIA XID, a DCGM health
 * field, npu-exporter's chip health, mlu-exporter's card health, a Hygon
 * DCU's uncorrectable RAS errors, a scrape that failed, a device the
 * exporter no longer lists) records it by a stable reason code ("xid:79",
 * "ecc_dbe", "npu_health:0", "mlu_health:0", "dcu_ue", "scrape_failed",
 * ...). This table says, for
 * each code, whether the device was up, degraded or down while the signal
 * held, and whether the vendor attributes it to the customer's application
 * (customer-caused signals are excluded from downtime). Nothing here is
 * invented: each row follows NVIDIA's Xid catalog (its fatal flag and
 * immediate action), NVIDIA's application-error list, DCGM's and NVIDIA's
 * memory-error documentation, Huawei's npu-exporter and MindCluster
 * fault levels, or Cambricon's mlu-exporter and cndev health flag; where
 * no vendor rates a signal (scrape_failed, device_gone, Hygon's dcu_ue)
 * the row is gpumeter's decision, argued there: docs/availability.md
 * ("Reasons") lists every row with its source and the rule that chose its
 * state.
 *
 * The rule, in one place: DOWN when the vendor says the device cannot run
 * work until it is reset, rebooted, isolated or replaced; DEGRADED when the
 * work on it was lost or slowed but the device takes work again without an
 * operator (restart the application) or runs with less capability; UP when
 * the device runs work as before and the signal is only worth noting.
 *
 * Pure; thread-safe (constant tables, no state). */
#ifndef GPUMETER_HEALTH_REASONS_H
#define GPUMETER_HEALTH_REASONS_H

#include "core/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

enum health_state { HEALTH_UP = 0, HEALTH_DEGRADED = 1, HEALTH_DOWN = 2 };

struct health_reason {
    const char *code; /* stable reason code, e.g. "xid:79", "ecc_dbe", "row_remap_failure",
                         "nvlink_down", "npu_health:0", "scrape_failed", "device_gone" */
    enum health_state state;
    bool customer_caused; /* NVIDIA attributes it to the application (e.g. XID 13, 31, 43):
                             excluded from downtime */
    const char *why;      /* one line for people */
};

/* The reason of an XID; NULL when the catalog has no entry (the caller then
 * treats it as "xid:<n>" degraded: docs/availability.md, "An XID the table
 * does not know"). */
const struct health_reason *health_reason_xid(long xid);
/* The reason for a code ("ecc_dbe", "npu_health:0", "scrape_failed", ...);
 * NULL when unknown. An XID's code ("xid:79") finds its row too. */
const struct health_reason *health_reason_find(const char *code);

struct strbuf;
/* The codes the vendors attribute to the customer's application (the rows
 * with customer_caused), as a PostgreSQL text[] literal (db_array_*): the
 * argument sla_device_days (schema 049) takes, so this table stays the one
 * definition of them. */
void health_reason_customer_caused_array(struct strbuf *out);

/* Every row, for the tests and the documentation: the XID rows first, in
 * ascending XID order, then the other codes. */
extern const struct health_reason health_reason_rows[];
extern const size_t health_reason_count;

#endif
