/* telemetry: parsers of per-accelerator telemetry into device readings.
 *
 * Each parses one whole scrape (text, len) into src->set (see device.h),
 * skipping and reporting bad lines; none of them allocates per line or can
 * be crashed by its input (each is a libFuzzer target).
 *
 *  dcgm_parse:  dcgm-exporter Prometheus text. Node from Hostname/hostname;
 *               device = UUID, MIG instance = GPU_I_ID with GPU_I_PROFILE;
 *               energy from DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ), power
 *               from DCGM_FI_DEV_POWER_USAGE (W). Tenant from namespace/pod
 *               (or legacy pod_namespace/pod_name, pod_uid), else Slurm
 *               hpc_job (account from the map's job: entry, else
 *               "job:<id>"); no such labels means idle.
 *  npu_parse:   Ascend npu-exporter Prometheus text. Device = "npu-<id>",
 *               power from npu_chip_info_power (W), tenant from
 *               namespace/pod_name (a pod without namespace is in "default").
 *  nvsmi_parse: nvidia-smi --query-gpu CSV, with or without units in header
 *               and values; [N/A] and bracketed messages are "no value".
 *               Needs uuid and power.draw columns; tenant from the map (gpu:
 *               then node:) or src->account, else idle. */
#ifndef GPUMETER_TELEMETRY_H
#define GPUMETER_TELEMETRY_H

#include "ingest/device.h"

#include <stddef.h>

void dcgm_parse(const char *text, size_t len, struct device_source *src);
void npu_parse(const char *text, size_t len, struct device_source *src);
void nvsmi_parse(const char *text, size_t len, struct device_source *src);

#endif
