/* hami: HAMi vGPU scrapes into device readings, one GPU shared by pods.
 *
 * hami_parse reads one whole Prometheus scrape (text, len) into src->set
 * (device.h), skipping and reporting bad lines; it may be the vGPU
 * monitor's scrape (port 9394), the scheduler's (port 31993), or both
 * concatenated. What it reads:
 *  - tenants from the vGPU monitor's per-container series, both name sets:
 *    HAMi 2.4-2.9 Device_memory_desc_of_container /
 *    Device_utilization_desc_of_container (labels podnamespace, podname,
 *    deviceuuid) and 2.10 hami_container_* (namespace, pod, device_uuid);
 *  - shares from the scheduler's allocation, per container:
 *    hami_vgpu_core_allocated_ratio (namespace, pod, container_index,
 *    device_uuid, node; value = cores percent 0-100), its legacy name
 *    vGPUCoreAllocated (podnamespace, podname, containeridx, deviceuuid,
 *    nodename) and the older vGPUPodsDeviceAllocated (its deviceusedcore
 *    label). A pod's share of a device is its containers' percents added
 *    (each container once, whichever names state it; at most the whole)
 *    x DEVICE_SHARE_WHOLE / 100; 0 cores (no core limit) states none.
 * Device = the physical GPU's UUID (its key, so a HAMi scrape and a
 * dcgm-exporter one name the same device), node from nodename/nodeid/node,
 * else src->node; model from src->model (HAMi's series carry none),
 * vendor "nvidia". Every other HAMi series (Host*, GPUDevice*, nodeGPU*,
 * QuotaUsed, vGPU*, other hami_*) is validated and not metered, except that one naming
 * a device (deviceuuid/device_uuid) puts the GPU in the set, so a GPU no
 * pod holds is idle capacity; a series of no HAMi name is a bad line. No energy: HAMi publishes no power.
 * Reentrant: all state is src's; not thread-safe across one src. */
#ifndef GPUMETER_HAMI_H
#define GPUMETER_HAMI_H

#include "ingest/device.h"

#include <stddef.h>

void hami_parse(const char *text, size_t len, struct device_source *src);

#endif
