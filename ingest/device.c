/* device: metering of per-device readings (see device.h). */
#include "ingest/device.h"

#include "ingest/health.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Trapezoid: (p0 + p1) / 2 mW over dt ms is (p0 + p1) * dt / 2000 mJ. */
#define POWER_DIVISOR 2000

struct device_reading *device_get(struct device_set *set, const char *key, const char *instance,
                                  const char *node, const char *device)
{
    for (size_t i = set->n; i-- > 0;) {
        struct device_reading *r = &set->v[i];
        if (!strcmp(r->key, key) && !strcmp(r->instance, instance)) return r;
    }
    ALLOC_GROW(set->v, set->n, set->cap, 16);
    struct device_reading *r = &set->v[set->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->node, sizeof r->node, "%s", node);
    snprintf(r->device, sizeof r->device, "%s", device);
    snprintf(r->instance, sizeof r->instance, "%s", instance);
    r->slices = r->slices_total = 1;
    return r;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool device_add_tenant(struct device_reading *r, const char *account, const char *job)
{
    if (!account || !account[0]) return true; /* no tenant: the unit stays idle */
    if (!job) job = "";
    for (size_t i = 0; i < r->ntenants; i++)
        if (!strncmp(r->tenants[i].account, account, sizeof r->tenants[i].account - 1) &&
            !strncmp(r->tenants[i].job, job, sizeof r->tenants[i].job - 1))
            return true;
    if (r->ntenants == DEVICE_MAX_TENANTS) {
        r->too_many_tenants = true;
        return false;
    }
    ALLOC_GROW(r->tenants, r->ntenants, r->tenants_cap, 2);
    struct device_tenant *t = &r->tenants[r->ntenants++];
    copy_text(t->account, sizeof t->account, account);
    copy_text(t->job, sizeof t->job, job);
    t->share = DEVICE_SHARE_NONE;
    return true;
}

bool device_set_share(struct device_reading *r, const char *account, const char *job,
                      int64_t share)
{
    assert(share >= 0 && share <= DEVICE_SHARE_WHOLE);
    if (!account || !account[0]) return true;
    if (!device_add_tenant(r, account, job)) return false;
    if (!job) job = "";
    for (size_t i = 0; i < r->ntenants; i++)
        if (!strncmp(r->tenants[i].account, account, sizeof r->tenants[i].account - 1) &&
            !strncmp(r->tenants[i].job, job, sizeof r->tenants[i].job - 1))
            r->tenants[i].share = share;
    return true;
}

int64_t device_share_split(int64_t amount, const int64_t *share, size_t n, int64_t *out)
{
    assert(amount >= 0);
    int64_t *weight = xcalloc(n + 1, sizeof *weight), *part = xcalloc(n + 1, sizeof *part);
    int64_t left = DEVICE_SHARE_WHOLE;
    for (size_t i = 0; i < n; i++) {
        assert(share[i] >= 0 && share[i] <= DEVICE_SHARE_WHOLE);
        weight[i] = share[i] < left ? share[i] : left; /* clamped in order */
        left -= weight[i];
    }
    weight[n] = left; /* what no share covers: stranded */
    money_split(amount, weight, n + 1, part);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = part[i];
        sum += part[i];
    }
    int64_t stranded = part[n];
    assert(sum + stranded == amount && sum <= amount && stranded >= 0);
    free(weight);
    free(part);
    return stranded;
}

void device_split_equally(int64_t amount, size_t n, int64_t *out)
{
    assert(amount >= 0 && n > 0);
    int64_t *weight = xcalloc(n, sizeof *weight);
    for (size_t i = 0; i < n; i++)
        weight[i] = 1;
    money_split(amount, weight, n, out);
    free(weight);
}

const char *device_node(const struct device_source *src, const char *reported)
{
    return src->node_override || !reported || !*reported ? src->node : reported;
}

const char *device_mapped_account(const struct device_source *src, const char *device,
                                  const char *node)
{
    const char *a = accounts_find(src->map, "gpu", device);
    return a ? a : accounts_find(src->map, "node", node);
}

void device_set_free(struct device_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i].tenants);
    free(set->v);
    memset(set, 0, sizeof *set);
}

bool device_mig_slices(const char *profile, const char *model, int *slices, int *total)
{
    char *end;
    long g = strtol(profile, &end, 10);
    *total = model && strstr(model, "A30") ? 4 : 7;
    if (end == profile || *end != 'g' || g < 1 || g > *total) return false;
    *slices = (int)g;
    return true;
}

static int by_unit(const void *a, const void *b)
{
    const struct device_reading *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->instance, y->instance);
}

static bool same_device(const struct device_reading *x, const struct device_reading *y)
{
    return !strcmp(x->key, y->key);
}

/* The device's state. State written before devices were keyed by UUID
 * ("dev <node> <device>") carries over, so an upgrade loses no window. */
static struct state_entry *device_state(struct state *st, const struct device_reading *g,
                                        bool *created)
{
    char key[200];
    snprintf(key, sizeof key, "dev %s", g->key);
    struct state_entry *e = state_get(st, key, created);
    if (*created) {
        snprintf(key, sizeof key, "dev %s %s", g->node, g->device);
        const struct state_entry *old = state_find(st, key);
        if (old) {
            memcpy(e->v, old->v, sizeof e->v);
            *created = false;
        }
    }
    return e;
}

struct window {
    int64_t start_ms, dt;
    bool has_energy;
    int64_t energy_mj;
};

/* Measures the physical device's window and moves its state to this scrape.
 * False when there is nothing to charge (baseline, clock going back, gap). */
static bool measure(struct cycle *cy, const struct device_reading *g, size_t n, struct window *w)
{
    bool has_energy = false, has_power = false;
    int64_t energy = 0, power = 0;
    for (size_t i = 0; i < n; i++) { /* MIG instances repeat the parent's figures */
        if (g[i].has_energy && !has_energy) has_energy = true, energy = g[i].energy_mj;
        if (g[i].has_power && !has_power) has_power = true, power = g[i].power_mw;
    }
    bool created;
    struct state_entry *e = device_state(cy->state, g, &created);
    int64_t dt = cy->at_ms - e->v[0];
    if (!created && dt <= 0) {
        log_warn("%s %s: scrape at or before the previous one; not charged", g->node, g->device);
        return false;
    }
    bool charge = !created;
    if (charge && dt > cy->max_gap_ms) {
        cy->st.gaps++;
        log_warn("%s %s: no data for %lld s (limit %lld s); the gap is not charged", g->node,
                 g->device, (long long)(dt / 1000), (long long)(cy->max_gap_ms / 1000));
        charge = false;
    }
    int64_t remainder = 0;
    w->has_energy = false;
    if (charge && has_energy && e->v[1] >= 0) {
        w->has_energy = true;
        w->energy_mj = energy >= e->v[1] ? energy - e->v[1] : energy;
        if (energy < e->v[1]) {
            cy->st.resets++;
            log_info("%s %s: energy counter reset (%lld -> %lld mJ), counting from zero", g->node,
                     g->device, (long long)e->v[1], (long long)energy);
        }
    } else if (charge && !has_energy && has_power && e->v[2] >= 0) {
        int64_t num = (e->v[2] + power) * dt + (e->v[3] > 0 ? e->v[3] : 0);
        w->has_energy = true;
        w->energy_mj = num / POWER_DIVISOR;
        remainder = num % POWER_DIVISOR;
    }
    /* more than the event contract's 10 kW per accelerator over the window
     * (a counter that jumped, a draw under the reader's 100 kW bound but
     * over the contract's): the rater would refuse the event, and the GPU
     * time in it; the window keeps its time, its energy is a bad line */
    if (w->has_energy && w->energy_mj > dt * EVENT_MAX_MJ_PER_GPU_MS) {
        cy->st.bad_lines++;
        log_warn("%s %s: %lld mJ in %lld ms is more than %lld W; its energy is not charged",
                 g->node, g->device, (long long)w->energy_mj, (long long)dt,
                 EVENT_MAX_MJ_PER_GPU_MS);
        w->has_energy = false;
    }
    w->start_ms = e->v[0];
    w->dt = dt;
    e->v[0] = cy->at_ms;
    e->v[1] = has_energy ? energy : -1;
    e->v[2] = has_power ? power : -1;
    e->v[3] = remainder;
    e->touched_ms = cy->at_ms;
    return charge;
}

/* What one scrape saw of a node's devices that share a window, for its
 * capacity event. */
struct capacity {
    const struct device_reading *first; /* node, model, vendor */
    int64_t start_ms, devices, allocated_ms, energy_mj, allocated_energy_mj;
    bool all_energy; /* every device reported energy: the idle energy is known */
};

struct capacity_set {
    struct capacity *v;
    size_t n, cap;
};

static struct capacity *capacity_for(struct capacity_set *cs, const struct device_reading *r,
                                     int64_t start_ms)
{
    for (size_t i = 0; i < cs->n; i++) {
        struct capacity *c = &cs->v[i];
        if (c->start_ms == start_ms && !strcmp(c->first->node, r->node) &&
            !strcmp(c->first->model, r->model) && !strcmp(c->first->vendor, r->vendor))
            return c;
    }
    ALLOC_GROW(cs->v, cs->n, cs->cap, 8);
    struct capacity *c = &cs->v[cs->n++];
    *c = (struct capacity){.first = r, .start_ms = start_ms, .all_energy = true};
    return c;
}

static void emit_capacity(struct cycle *cy, const struct capacity *c)
{
    struct usage_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = EVENT_KIND_CAPACITY;
    snprintf(ev.node, sizeof ev.node, "%s", c->first->node);
    snprintf(ev.model, sizeof ev.model, "%s", c->first->model);
    snprintf(ev.vendor, sizeof ev.vendor, "%s", c->first->vendor);
    ev.start_ms = c->start_ms;
    ev.end_ms = cy->at_ms;
    ev.devices = c->devices;
    ev.allocated_ms = c->allocated_ms;
    if (c->all_energy) {
        ev.idle_energy_mj = c->energy_mj - c->allocated_energy_mj;
        ev.has = EVENT_HAS_IDLE_ENERGY;
    }
    cycle_emit(cy, c->first->node, &ev);
}

static int by_tenant(const void *a, const void *b)
{
    const struct device_tenant *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c ? c : strcmp(x->job, y->job);
}

/* Charges one allocation unit and adds what it used to its capacity: the
 * whole unit to its tenant, or equal shares to each of several (the rule in
 * device.h), each share its own event. */
static void charge_unit(struct cycle *cy, struct device_reading *r, const struct window *w,
                        struct capacity *cap)
{
    int64_t gpu_ms = w->dt * r->slices / r->slices_total;
    int64_t energy_mj = w->has_energy ? w->energy_mj * r->slices / r->slices_total : 0;
    /* MiB x ms to GiB-ms, rounded down (device.h) */
    int64_t mem_gib_ms = r->has_fb ? r->fb_used_mib * w->dt / 1024 : 0;
    if (r->too_many_tenants) {
        cy->st.refused_units++;
        log_warn("%s %s%s%s: more than %d tenants at once; %lld GPU-ms not charged", r->node,
                 r->device, r->instance[0] ? " instance " : "", r->instance, DEVICE_MAX_TENANTS,
                 (long long)gpu_ms);
        return;
    }
    if (r->ntenants == 0) {
        cy->st.idle_units++;
        cy->st.idle_gpu_ms += gpu_ms;
        return;
    }
    size_t n = r->ntenants;
    qsort(r->tenants, n, sizeof *r->tenants, by_tenant);
    int64_t *weight = xcalloc(4 * n, sizeof *weight), *gpu = weight + n, *energy = gpu + n,
            *mem = energy + n;
    bool stated = true; /* every tenant states its share: split by them (device.h) */
    for (size_t i = 0; i < n; i++) {
        weight[i] = r->tenants[i].share;
        stated = stated && weight[i] != DEVICE_SHARE_NONE;
    }
    int64_t stranded_gpu = 0, stranded_energy = 0, stranded_mem = 0;
    if (stated) {
        stranded_gpu = device_share_split(gpu_ms, weight, n, gpu);
        stranded_energy = device_share_split(energy_mj, weight, n, energy);
        stranded_mem = device_share_split(mem_gib_ms, weight, n, mem);
        cy->st.idle_gpu_ms += stranded_gpu; /* stranded: capacity nobody holds */
    } else {
        device_split_equally(gpu_ms, n, gpu);
        device_split_equally(energy_mj, n, energy);
        device_split_equally(mem_gib_ms, n, mem);
    }
    if (n > 1) {
        cy->st.shared_units++;
        cy->st.shared_tenants += (long)n;
    }
    int64_t sum_gpu = 0, sum_energy = 0, sum_mem = 0;
    for (size_t i = 0; i < n; i++) {
        struct usage_event ev;
        memset(&ev, 0, sizeof ev);
        snprintf(ev.account, sizeof ev.account, "%s", r->tenants[i].account);
        snprintf(ev.job, sizeof ev.job, "%s", r->tenants[i].job);
        snprintf(ev.model, sizeof ev.model, "%s", r->model);
        snprintf(ev.vendor, sizeof ev.vendor, "%s", r->vendor);
        ev.start_ms = w->start_ms;
        ev.end_ms = cy->at_ms;
        ev.gpu_ms = gpu[i];
        ev.has = EVENT_HAS_GPU_MS;
        if (w->has_energy) {
            ev.energy_mj = energy[i];
            ev.has |= EVENT_HAS_ENERGY;
        }
        if (mem[i] > 0) {
            ev.gpu_mem_gib_ms = mem[i];
            ev.has |= EVENT_HAS_GPU_MEM;
        }
        sum_gpu += gpu[i];
        sum_energy += energy[i];
        sum_mem += mem[i];
        cycle_emit(cy, r->node, &ev);
    }
    /* the shares and what they strand are the whole */
    assert(sum_gpu + stranded_gpu == gpu_ms && sum_energy + stranded_energy == energy_mj &&
           sum_mem + stranded_mem == mem_gib_ms);
    cap->allocated_ms += sum_gpu;
    if (w->has_energy) cap->allocated_energy_mj += sum_energy;
    free(weight);
}

/* Charges the n units g[0..n) of one physical device for its window and
 * counts the device in its node's capacity. */
static void charge_device(struct cycle *cy, struct device_reading *g, size_t n,
                          const struct window *w, struct capacity_set *caps)
{
    struct capacity *cap = capacity_for(caps, g, w->start_ms);
    cap->devices++;
    if (w->has_energy)
        cap->energy_mj += w->energy_mj;
    else
        cap->all_energy = false;
    bool mig = g[n - 1].instance[0] != '\0'; /* "" sorts first */
    for (size_t k = 0; k < n; k++)
        if (!mig || g[k].instance[0]) charge_unit(cy, &g[k], w, cap);
}

void device_meter(struct cycle *cy, struct device_set *set)
{
    if (set->n == 0) return;
    qsort(set->v, set->n, sizeof *set->v, by_unit);
    struct capacity_set caps = {0};
    for (size_t i = 0, j; i < set->n; i = j) {
        for (j = i + 1; j < set->n && same_device(&set->v[i], &set->v[j]); j++)
            ;
        struct window w = {0};
        bool charged = measure(cy, &set->v[i], j - i, &w);
        if (charged) charge_device(cy, &set->v[i], j - i, &w, &caps);
        health_meter(cy, &set->v[i], j - i, charged, w.start_ms); /* after its usage */
    }
    health_gone(cy); /* after every device seen: the ones this input no longer lists */
    for (size_t i = 0; i < caps.n; i++)
        emit_capacity(cy, &caps.v[i]);
    free(caps.v);
}
