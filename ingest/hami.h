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
 *  - memory, for memory shares (hami_parse_pods' memory_shares): a
 *    container's bytes from hami_vgpu_memory_allocated_bytes (legacy
 *    vGPUMemoryAllocated, or vGPUPodsDeviceAllocated's value), the
 *    device's from hami_gpu_memory_limit_bytes (legacy
 *    GPUDeviceMemoryLimit); a pod's share = its containers' bytes / the
 *    device's, rounded down, at most the whole. A device whose memory is
 *    not in the input, or a pod on it that states no memory: a bad line,
 *    and the device's pods are shared by cores, never some by memory and
 *    others by cores.
 *  - energy: the node's dcgm-exporter series (DCGM_*, dcgm_*) in the same
 *    text are read as collect dcgm reads them (dcgm_read_sample) and joined
 *    on the GPU UUID once the text is read: the physical GPU's energy
 *    counter or power, and its modelName. device.c integrates the energy
 *    and splits it by the same shares as the time. Their pod labels are
 *    not read (the allocation is HAMi's) nor their framebuffer (no pod's);
 *    a GPU only dcgm-exporter names is not HAMi's and is not metered.
 * Device = the physical GPU's UUID (its key, so a HAMi scrape and a
 * dcgm-exporter one name the same device), node from nodename/nodeid/node
 * (or the pod's node), else dcgm-exporter's Hostname, else src->node; model from dcgm-exporter's modelName, else src->model
 * (HAMi's series carry none), vendor "nvidia". Every other HAMi series
 * (Host*, GPUDevice*, nodeGPU*, QuotaUsed, vGPU*, other hami_*) is
 * validated and not metered, except that one naming a device
 * (deviceuuid/device_uuid) puts the GPU in the set, so a GPU no pod holds
 * is idle capacity; a series of no HAMi or dcgm-exporter name is a bad line.
 * Reentrant: all state is src's; not thread-safe across one src. */
#ifndef GPUMETER_HAMI_H
#define GPUMETER_HAMI_H

#include "ingest/device.h"

#include <stddef.h>

void hami_parse(const char *text, size_t len, struct device_source *src);
/* hami_parse with the pods of `kubectl get pods -A -o json` (pods, NULL:
 * none) read first: each pod's annotation hami.io/vgpu-devices-allocated
 * (hami_pods.h) names its devices, node and cores and memory, as the
 * scheduler's series do (a container stated by both counts once); a pod
 * that cannot be read is counted in pods_rejects. memory_shares: a pod's
 * share is its memory allocated / the device's memory, not its cores.
 * An account with a share:<account> cores|memory line in src->map (NULL:
 * none) takes that basis instead; shares of both bases on one device are
 * clamped together by device_share_split. The map's other kinds are not
 * read (a HAMi tenant's account is its namespace). Pods that are unusable
 * as a whole (pods_rejects->unusable: not kubectl's JSON, no items array,
 * cut off) are a round without its allocation: the scrape is not read and
 * src->set is left empty, so the caller meters nothing and the windows
 * wait for a round with the allocation (docs/collectors.md). */
void hami_parse_pods(const char *pods, size_t pods_len, struct rejects *pods_rejects,
                     bool memory_shares, const char *text, size_t len,
                     struct device_source *src);

#endif
