/* mlu: Cambricon mlu-exporter scrapes into device readings, whole MLU cards
 * and the pods that hold them.
 *
 * mlu_parse reads one whole Prometheus scrape (text, len) of mlu-exporter
 * v1.6 and later (metric prefix "mlu", the exporter's default; labels as
 * its examples/metrics.yaml names them) into src->set (device.h), skipping
 * and reporting bad lines. What it reads:
 *  - a card from every mlu_* series but mlu_container with a uuid and no
 *    vf label (the card's own series: the exporter copies power,
 *    utilization and the rest once per env-share VF, MIM or sMLU instance
 *    with a vf label, and those copies are checked, never read again):
 *    device "mlu-<uuid>" keyed with
 *    its node (the node label, unless --node), model from the model label
 *    (the card name, e.g. MLU370-X8), else --model; vendor "cambricon";
 *  - its draw from mlu_power_usage (W, integrated by device_meter);
 *  - its health flag from mlu_health (1 healthy, 0 sick), which --health
 *    turns into its window's state (health.h); the unhealth_reason label
 *    and the XID and ECC series are validated, not read (docs/collectors.md,
 *    "Health");
 *    mlu_memory_used is not read: its unit changed between releases
 *    (docs/collectors.md);
 *  - its pods from mlu_container (podresources collector), joined on uuid
 *    with the node once the scrape is read, whatever the order of lines:
 *    value 1 with namespace and pod makes the pod a tenant of that card
 *    (several pods on one card, env-share, share it equally: device.h);
 *    value 0 without pod labels is a card no container holds. A card no
 *    mlu_container names a pod for takes the map's gpu:/node: entry, else
 *    it is idle capacity.
 * Bad lines, each counted with its reason: a series of no mlu_ name, a
 * value that is not a number, a label too long or unprintable, a read
 * series (power, container) without uuid, an implausible or non-finite
 * power, an mlu_container whose value is not 0 or 1, that holds a card
 * without naming its pod (or names a pod with value 0), that names a MIM
 * or sMLU instance (type ".mim-"/".smlu": instance shares
 * are not metered yet) or a uuid no card series of the scrape has.
 * Reentrant: all state is src's; not thread-safe across one src. */
#ifndef GPUMETER_MLU_H
#define GPUMETER_MLU_H

#include "ingest/device.h"

#include <stddef.h>

void mlu_parse(const char *text, size_t len, struct device_source *src);

#endif
