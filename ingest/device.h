/* device: per-accelerator readings and the metering rules shared by every
 * device source (dcgm, npu, npu-smi, dcu, mlu, metax, iluvatar, hami,
 * nvidia-smi).
 *
 * A parser fills a device_set with one reading per allocation unit: a whole
 * GPU/NPU, or one MIG instance (instance != "") holding slices of
 * slices_total. A physical device is known by its key: the GPU's UUID, or
 * an NPU's id with its node, so its state survives a change of the node
 * name the exporter reports (2.x-3.x dcgm-exporters on Kubernetes report
 * their own pod's name, which changes when the pod restarts). device_meter
 * then turns the readings at cy->at_ms into usage events against the state
 * of the previous scrape:
 *  - the window is (previous scrape of that physical device, at_ms]; the
 *    first scrape of a device is its baseline; a window longer than
 *    max_gap_ms is reported as a gap and not charged;
 *  - the window goes to the allocation seen at its end; MIG instances get
 *    window x slices/slices_total GPU-ms; unallocated units are idle
 *    capacity, counted in the stats and never billed;
 *  - a unit that several tenants use at once (time-slicing, MPS: one GPU
 *    under several pods) is shared equally: its GPU-ms and energy are split
 *    with money_split over equal weights, the tenants in (account, job)
 *    order, so the shares sum exactly to the unit's and never depend on the
 *    order of the scrape's lines; one usage event per share;
 *  - a unit whose every tenant states its share (HAMi: cores allocated, in
 *    parts of DEVICE_SHARE_WHOLE) is split by those shares instead
 *    (device_share_split): each tenant gets window x share, clamped so the
 *    shares never sum above the whole, the tenants in (account, job) order;
 *    what no share covers is stranded capacity, never billed;
 *  - after the usage, one capacity event per node, model and window: the
 *    devices metered, the GPU-ms allocated and the energy of the rest;
 *  - energy comes once per physical device: from the cumulative mJ counter
 *    (a counter that went down is a reset and counts from zero), or else by
 *    integrating power over the window (trapezoid, remainder carried in the
 *    state so nothing is lost to rounding); it is shared like GPU time; a
 *    window's energy over EVENT_MAX_MJ_PER_GPU_MS per ms (the event
 *    contract's 10 kW) is counted in cy->st.bad_lines and not charged, the
 *    window's GPU-ms still are;
 *  - GPU memory held (meter gpu_mem_gib_ms) is the unit's framebuffer used
 *    at the window's end (MiB, as the allocation is taken at its end) times
 *    the window: MiB x ms / 1024 GiB-ms, rounded down (under one GiB-ms a
 *    window), shared like GPU time; a unit holding none reports none.
 * Not thread-safe: one collector thread owns a device_set and the state it meters against. */
#ifndef GPUMETER_DEVICE_H
#define GPUMETER_DEVICE_H

#include "ingest/accounts.h"
#include "ingest/cycle.h"
#include "ingest/rejects.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Readings beyond these are bad input, not usage: no accelerator draws
 * 100 kW, and integrating such a figure over a day would overflow. */
#define DEVICE_MAX_POWER_MW  100000000LL
#define DEVICE_MAX_ENERGY_MJ EVENT_INT_MAX
/* No accelerator holds a TiB of framebuffer (a B200 has 180 GiB). */
#define DEVICE_MAX_FB_MIB (1LL << 20)

/* Who uses a unit: the account billed and the job (pod, Slurm job). */
struct device_tenant {
    char account[129], job[EVENT_JOB_MAX + 1];
    int64_t share; /* parts of DEVICE_SHARE_WHOLE; DEVICE_SHARE_NONE = not stated */
};

/* A share of one device, in parts per million of the device: HAMi's core
 * percent is a whole number of these. */
#define DEVICE_SHARE_WHOLE 1000000LL
#define DEVICE_SHARE_NONE  (-1)

/* More tenants than this on one unit is not a real time-sliced or MPS GPU
 * (MPS serves at most 48 clients; time-slicing replicas are a handful) but
 * broken input; such a unit's window is reported and not charged. */
#define DEVICE_MAX_TENANTS 256

/* The health signals a scrape carries for a device (health.h), each with
 * whether it was present: the last XID, the uncorrectable ECC counter, the
 * row-remap failure flag, the NVLink replay and recovery error counters
 * (dcgm-exporter), the chip's health status (npu-exporter, 1 = healthy),
 * the card's health flag (mlu-exporter's mlu_health, 1 = healthy), the
 * uncorrectable RAS error count summed over the card's blocks
 * (dcu-exporter's dcu_ue_count). */
struct device_signals {
    bool has_xid, has_ecc_dbe, has_row_remap_failure, has_chip_health;
    bool has_nvlink_replay, has_nvlink_recovery, has_card_health, has_ras_ue;
    int64_t xid, ecc_dbe, row_remap_failure, chip_health;
    int64_t nvlink_replay, nvlink_recovery, card_health, ras_ue;
};

struct device_reading {
    char key[170];     /* the physical device: GPU UUID, or "<node>/npu-<id>" */
    char node[65];     /* where it is now, for the event's source */
    char device[97];   /* GPU UUID or "npu-<id>", for logs */
    char instance[17]; /* MIG GPU_I_ID, "" for the whole device */
    int slices, slices_total;
    char model[65], vendor[33];
    bool model_reported;         /* model from the input, not --model */
    struct device_tenant *tenants; /* none = not allocated; more = shared */
    size_t ntenants, tenants_cap;
    bool too_many_tenants; /* more than DEVICE_MAX_TENANTS: not charged */
    bool has_energy, has_power, has_fb;
    int64_t energy_mj;   /* cumulative counter */
    int64_t power_mw;    /* instantaneous draw */
    int64_t fb_used_mib; /* framebuffer memory used now (the unit's own, MIG: the instance's) */
    struct device_signals signals;
};

struct device_set {
    struct device_reading *v;
    size_t n, cap;
};

/* Where a scrape came from and what fills the gaps in its labels. */
struct device_source {
    const char *node;    /* host name when the scrape has none */
    bool node_override;  /* --node: node wins over the scrape's own host names */
    const char *model;   /* accelerator model when the scrape has none */
    const char *account; /* nvidia-smi: account of every GPU not in the map */
    const struct account_map *map;
    struct device_set *set;
    struct rejects *rejects; /* where bad lines are counted */
};

/* The reading of (key, instance), added zeroed (1 of 1 slices, at node,
 * named device) if new. */
struct device_reading *device_get(struct device_set *set, const char *key, const char *instance,
                                  const char *node, const char *device);
/* Adds a tenant (job may be NULL) to the unit unless it is there already
 * or account is NULL or ""; false when the unit already has
 * DEVICE_MAX_TENANTS others. */
bool device_add_tenant(struct device_reading *r, const char *account, const char *job);
/* The node a reading is at: the scrape's host name unless --node overrides it. */
/* States the share (0..DEVICE_SHARE_WHOLE) of tenant (account, job) on
 * the unit, adding the tenant first as device_add_tenant does; false as
 * device_add_tenant. A second statement for one tenant replaces the first. */
bool device_set_share(struct device_reading *r, const char *account, const char *job,
                      int64_t share);
/* Splits amount over n stated shares (each 0..DEVICE_SHARE_WHOLE) exactly:
 * the shares are clamped in their order so that they never sum above
 * DEVICE_SHARE_WHOLE (a share that would pass it gets what is left, the
 * ones after it nothing), then amount is split with money_split over the
 * clamped shares plus the rest of the whole. out[i] is share i's part;
 * returns the rest's part, the stranded amount. The parts and the stranded
 * amount sum to amount, so the shares never sum above it. Pure; thread-safe. */
int64_t device_share_split(int64_t amount, const int64_t *share, size_t n, int64_t *out);
/* Splits amount (>= 0) equally over n > 0 parts exactly: money_split over
 * equal weights, so out[i] = floor(amount x (i+1) / n) - floor(amount x i /
 * n) and the parts sum to amount (the later parts take the remainder). The
 * one equal split: tenants sharing a unit (in (account, job) order), the
 * dies of one npu-smi card sharing its draw. Pure; thread-safe. */
void device_split_equally(int64_t amount, size_t n, int64_t *out);
const char *device_node(const struct device_source *src, const char *reported);
/* The account the operator's map gives a device without tenant labels:
 * gpu:<device>, then node:<node>; NULL when neither is mapped. */
const char *device_mapped_account(const struct device_source *src, const char *device,
                                  const char *node);
void device_meter(struct cycle *cy, struct device_set *set);
void device_set_free(struct device_set *set);

/* MIG profile "3g.40gb" -> 3 slices of 7 (4 on an A30); false if unreadable. */
bool device_mig_slices(const char *profile, const char *model, int *slices, int *total);

#endif
