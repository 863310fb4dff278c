/* hami_pods: HAMi's allocation from the pod annotation, read from
 * `kubectl get pods -A -o json` (or one pod's `kubectl get pod -o json`).
 *
 * HAMi's scheduler writes each pod's devices in the annotation
 * hami.io/vgpu-devices-allocated: containers separated by ';' (in the
 * order of spec.containers; an empty one holds no device), each
 * container's devices by ':', a device as "uuid,type,MiB,cores" (cores a
 * percent 0-100, 0 = no core limit; later fields, if any, are ignored), e.g.
 * "GPU-29d5fa0d-935b-2966-aff8-483a174d61d1,NVIDIA,1024,20:;".
 * hami_pods_walk calls fn once per device of every pod that holds its
 * devices now: phase Running or Pending (bound to a node: HAMi allocated
 * the devices at binding). A Succeeded, Failed or Unknown pod, or one
 * without the annotation, holds nothing of HAMi's and is passed over.
 * A pod whose annotation cannot be read (a device without four fields, MiB
 * not a whole number up to a TiB, cores not a whole number, cores above 100, no namespace, name
 * or node, more than HAMI_POD_MAX_DEVICES devices) or that names a device
 * type other than NVIDIA is a bad line (counted in r, its reason logged as
 * "pod <n> (<namespace>/<name>)"), none of its devices given to fn: a pod is
 * read whole or not at all. So is a pod the strict reader refuses (a
 * "\u0000" in a string its tenant wrote, too many members) when the rest
 * of the document is whole: each pod is then read on its own. Input that is
 * not such JSON (not one object with an items array whose structure
 * closes) is unusable.
 * Reentrant and thread-safe: no state beyond the caller's. */
#ifndef GPUMETER_HAMI_PODS_H
#define GPUMETER_HAMI_PODS_H

#include "ingest/rejects.h"

#include <stddef.h>
#include <stdint.h>

/* More devices than this in one pod's annotation is not a pod (8 GPUs a
 * node, a handful of containers; DEVICE_MAX_TENANTS is as many) but broken
 * input. */
#define HAMI_POD_MAX_DEVICES 256

struct hami_pod_device {
    const char *ns, *pod, *node; /* namespace, pod name, spec.nodeName */
    char uuid[66], container[12]; /* container: its index in the annotation */
    int64_t mem_mib, cores;       /* as allocated: MiB, percent 0-100 */
};

typedef void (*hami_pod_fn)(const struct hami_pod_device *d, void *ctx);

void hami_pods_walk(const char *json, size_t len, struct rejects *r, hami_pod_fn fn, void *ctx);

#endif
