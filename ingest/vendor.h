/* vendor: the Prometheus exporters of domestic accelerators that name each
 * whole chip by a UUID, read through one table of vendor profiles (metric
 * prefix, the labels of identity, node, model and pod, the power series and
 * its unit) into dcgm.h's one chip path, so every vendor follows the device
 * rules of device.h the same way:
 *
 *  vendor_parse_metax:    MetaX mx-exporter (mx_*): uuid, Hostname,
 *                         modelName, namespace/pod; power mx_board_power in
 *                         mW. mx_sgpu_* series (sGPU shares) naming a pod
 *                         are bad lines: shares are not metered yet.
 *  vendor_parse_iluvatar: Iluvatar CoreX ix-exporter (ix_*): uuid,
 *                         node_name, name, namespace/pod; power
 *                         ix_power_usage in W.
 *
 * Device = the UUID (key and map entry gpu:<uuid>), node from the node label
 * unless --node, model from the model label else --model; a series of
 * another prefix or without a uuid is a bad line with its reason. Parses a
 * whole scrape into src->set, never allocating per line nor crashed by any
 * input. Reentrant: all state is src's; not thread-safe across one src. */
#ifndef GPUMETER_VENDOR_H
#define GPUMETER_VENDOR_H

#include "ingest/device.h"

#include <stddef.h>

void vendor_parse_metax(const char *text, size_t len, struct device_source *src);
void vendor_parse_iluvatar(const char *text, size_t len, struct device_source *src);

#endif
