/* dcgm: Prometheus exporters' telemetry into device readings: dcgm-exporter
 * (dcgm_parse), the Ascend npu-exporter (dcgm_parse_npu) and the Hygon
 * dcu-exporter (dcgm_parse_dcu), which share
 * the exposition format and the tenant labels.
 * Parses one whole scrape (text, len) into src->set (see device.h),
 * skipping and reporting bad lines; never allocates per line nor can be
 * crashed by its input (a libFuzzer target). Reentrant: all state is src's.
 *
 *  dcgm_parse:  dcgm-exporter Prometheus text. Node from Hostname/hostname;
 *               device = UUID, MIG instance = GPU_I_ID with GPU_I_PROFILE;
 *               energy from DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ), power
 *               from DCGM_FI_DEV_POWER_USAGE (W). Tenant from namespace/pod
 *               (or legacy pod_namespace/pod_name, pod_uid), else Slurm
 *               hpc_job (account from the map's job: entry, else
 *               "job:<id>"); every tenant a GPU's series name shares it
 *               (device.h: dcgm-exporter 4.x copies each series per pod
 *               of a time-sliced or MPS GPU, with a vgpu label). A GPU no
 *               series names a tenant for takes the map's gpu:/node: entry
 *               once the scrape is read, else it is idle. Metric names are
 *               matched exactly (DCGM_*, 1.x dcgm_*): a lower-cased
 *               dcgm_fi_* paste is bad lines.
 *  dcgm_parse_npu:  Ascend npu-exporter Prometheus text. Device = "npu-<id>",
 *               power from npu_chip_info_power (W), tenant from
 *               namespace/pod_name (a pod without namespace is in "default");
 *               container_npu_* are the chip's series too, machine_* and
 *               series without id the node's; a vnpu_pod_* series naming a
 *               pod is a bad line (AI-core shares are not metered yet).
 *  dcgm_parse_dcu:  Hygon dcu-exporter Prometheus text (dcu_*, vdcu_*).
 *               Device = "dcu-<device_id>" (board serial) keyed with its
 *               node (the node label, unless --node); model from name,
 *               else --model; power from dcu_power_usage (W); tenant from
 *               dcu_pod_namespace/dcu_pod_name (whole DCU), else the map.
 *               A vdcu_* series naming a pod states the pod's share of its
 *               card: vdcu_computer_unit over the card's
 *               dcu_compute_unit_count (vdcu.h), its energy split alike.
 *               dcu_ue_count (uncorrectable RAS errors, one series per
 *               RAS block, label block_type) is summed per card into its
 *               health signal; a value that is not a count of errors is a
 *               bad line.
 *  dcgm_chip_sample: the one path from a vendor exporter's series of one
 *               whole chip to its reading (npu, dcu, mlu and the vendor
 *               profiles of vendor.h): device, model, vendor, tenant, power
 *               and the chip's health flag (npu_chip_info_health_status,
 *               mlu_health: device.h's device_signals).
 *  dcgm_tenants_from_map: once a scrape is read, a chip no series named a
 *               tenant for takes the map's gpu:/node: entry.
 * Every path reads a device's metered values (power, energy counter,
 * framebuffer used, health signals) through one reader: a repeat of one in the same scrape
 * with another value is a bad line ("<metric> of <device> repeated with
 * another value") and the first value stands; equal repeats (dcgm-exporter
 * 4.x's copy per pod) are fine. Pod labels are read up to 253 bytes, the
 * event's job (prom.h); every other label up to 64.
 * Not thread-safe across one src; distinct srcs are independent. */
#ifndef GPUMETER_DCGM_H
#define GPUMETER_DCGM_H

#include "ingest/device.h"
#include "ingest/prom.h"

#include <stddef.h>

void dcgm_parse(const char *text, size_t len, struct device_source *src);
/* One dcgm-exporter sample into src, as dcgm_parse reads each (without the
 * map's tenants): hami.c reads a node's dcgm-exporter series beside HAMi's
 * with it, for the GPU's energy. */
struct prom_sample;
void dcgm_read_sample(const struct prom_sample *s, struct device_source *src);
void dcgm_parse_npu(const char *text, size_t len, struct device_source *src);
void dcgm_parse_dcu(const char *text, size_t len, struct device_source *src);

/* A vendor exporter's series of one whole chip. By default known by its id
 * on a node (device "<kind>-<id>", key "<node>/<device>": NPU ids and DCU
 * serials repeat or move with the node); with id_is_global, by the id alone
 * (a UUID: device and key are the id, the map's entry gpu:<id>, and a change
 * of the reported node name keeps the chip's state). */
struct dcgm_chip {
    const char *node, *kind, *id;
    const char *model;             /* as reported, NULL: --model */
    const char *vendor, *ns, *pod; /* a pod without namespace is in "default" */
    const char *power_metric;      /* the series of its draw */
    bool power_in_mw;              /* that draw in mW (MetaX), else in W */
    bool id_is_global;
};

struct device_reading *dcgm_chip_sample(const struct prom_sample *s, struct device_source *src,
                                         const struct dcgm_chip *c);
void dcgm_tenants_from_map(struct device_source *src);

#endif
