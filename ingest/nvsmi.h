/* nvsmi: nvidia-smi telemetry into device readings.
 * Parses one whole scrape (text, len) into src->set (see device.h),
 * skipping and reporting bad lines; never allocates per line nor can be
 * crashed by its input (a libFuzzer target). Reentrant: all state is src's.
 *
 *  nvsmi_parse: nvidia-smi --query-gpu CSV, with or without units in header
 *               and values; [N/A] and bracketed messages are "no value".
 *               Needs uuid and power.draw columns; tenant from the map (gpu:
 *               then node:) or src->account, else idle.
 * Not thread-safe across one src; distinct srcs are independent. */
#ifndef GPUMETER_NVSMI_H
#define GPUMETER_NVSMI_H

#include "ingest/device.h"

#include <stddef.h>

void nvsmi_parse(const char *text, size_t len, struct device_source *src);

#endif
