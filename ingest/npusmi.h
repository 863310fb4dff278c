/* npusmi: the text table of Huawei's `npu-smi info` into device readings.
 * Parses one whole output (text, len) into src->set (see device.h),
 * skipping and reporting bad lines; never crashed by its input.
 * Reentrant: all state is src's and the call's.
 *
 *  npusmi_parse: the table npu-smi 22.0-26.0 prints (as published): per chip (die) a pair
 *               of rows, the NPU row "<npu> <name> | <health> | <power W>
 *               <temp> ..." and the chip row "<chip> [<phy-id>] | <bus-id> |
 *               ...". Headings, borders, the version line and the process
 *               table after the devices are not device rows.
 *   - identity: one reading per die, device "npu-<phy-id>" keyed
 *     "<node>/npu-<phy-id>" (the npu collector's key); without a Phy-ID (or
 *     310P "Device") column, "npu-<npu>" for chip 0 and "npu-<npu>-<chip>"
 *     for the others. npu-smi names no host: the node is --node or this host.
 *   - time is per die: each die is its own window.
 *   - power belongs to the CARD (the NPU id): the first figure on any of its
 *     NPU rows ("-" and "NA" are no reading, never zero; A3 prints the card's
 *     draw on chip 0's row and "-" on chip 1's), split exactly over the
 *     card's dies in the input with money_split over equal weights before
 *     integration, so the dies' energy sums to the card's once, never double.
 *   - model: the Name column, except that A3 cards (Ascend 910_93), which
 *     npu-smi calls "Ascend910" in tables with a Phy-ID column (A2 and 310
 *     tables have none), are "Ascend910_93" (catalogue: Ascend910C).
 *   - tenant: the map's gpu:<node>/npu-<id>, then node:<node>, else
 *     src->account, else idle.
 * Not thread-safe across one src; distinct srcs are independent. */
#ifndef GPUMETER_NPUSMI_H
#define GPUMETER_NPUSMI_H

#include "ingest/device.h"

#include <stddef.h>

void npusmi_parse(const char *text, size_t len, struct device_source *src);

#endif
