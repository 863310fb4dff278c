/* event_intern: interned heads of a batch's events (see event_intern.h). */
#include "rating/event_intern.h"

#include "core/alloc.h"

#include "core/invariant.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS_KEPT 1024 /* the index a reset keeps: enough for a usual batch's heads */

/* An event's numbers beside its window, named once for the copies both
 * ways; which set is the kind's (event_intern.h). */
#define USAGE_NUMBERS(X)    X(seq) X(start_ms) X(end_ms)
#define CAPACITY_NUMBERS(X) X(devices) X(allocated_ms) X(idle_energy_mj)

void event_numbers_of(const struct usage_event *ev, struct event_numbers *num)
{
#define TO_NUM(f) num->f = ev->f;
    USAGE_NUMBERS(TO_NUM)
    if (ev->kind == EVENT_KIND_CAPACITY) {
        assert(!memcmp(ev->qty, (int64_t[METER_COUNT]){0}, sizeof ev->qty));
        CAPACITY_NUMBERS(TO_NUM)
    }
    else {
        assert(!ev->devices && !ev->allocated_ms && !ev->idle_energy_mj);
        memcpy(num->qty, ev->qty, sizeof num->qty);
    }
#undef TO_NUM
}

void event_numbers_put(const struct event_numbers *num, struct usage_event *ev)
{
#define TO_EVENT(f) ev->f = num->f;
    USAGE_NUMBERS(TO_EVENT)
    if (ev->kind == EVENT_KIND_CAPACITY) {
        CAPACITY_NUMBERS(TO_EVENT)
    }
    else
        memcpy(ev->qty, num->qty, sizeof ev->qty);
#undef TO_EVENT
}

/* Mixes one word into h. */
static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

/* Whether a word has a zero byte (the classic bit trick). */
static bool has_zero_byte(uint64_t w)
{
    return ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0;
}

/* A string field's bytes, a word at a time, up to the word that holds its
 * NUL: what follows is zero in a decoded event (event_decode zeroes the
 * event first), so it adds nothing to the spread. */
static uint64_t mix_string(uint64_t h, const char *s, size_t size)
{
    size_t i = 0;
    for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        h = mix(h, w);
        if (has_zero_byte(w)) return h;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, size - i);
    return mix(h, w);
}

#define HEAD_STRING(f) {offsetof(struct usage_event, f), sizeof((struct usage_event *)0)->f}
/* The head's strings. One left out would only spread heads less: equality
 * is memcmp of the whole head. */
static const struct {
    size_t at, size;
} head_strings[] = {HEAD_STRING(source), HEAD_STRING(account), HEAD_STRING(cluster),
                    HEAD_STRING(site),   HEAD_STRING(model),   HEAD_STRING(vendor),
                    HEAD_STRING(job),    HEAD_STRING(node),    HEAD_STRING(device)};

/* The head's hash over what tells heads apart: its kind, field bits and
 * other numbers, and its strings up to their NUL, in about 20 words where
 * hashing the whole head took 190 (a tenth of batch_add's time,
 * bench/bench_batch_add.c). It is a function of the head's bytes alone,
 * so equal heads hash equal whatever they hold; event_intern_split's
 * memcmp of the whole head is the equality. */
static uint64_t head_hash(const struct usage_event *ev)
{
    const char *p = (const char *)ev;
    uint64_t h = 0x243f6a8885a308d3ULL;
    h = mix(h, (uint64_t)ev->kind << 32 | ev->has);
    h = mix(h, (uint64_t)ev->model_params);
    h = mix(h, (uint64_t)ev->state << 32 | (uint32_t)ev->nreasons);
    for (size_t k = 0; k < sizeof head_strings / sizeof head_strings[0]; k++)
        h = mix_string(h, p + head_strings[k].at, head_strings[k].size);
    for (int k = 0; k < ev->nreasons && k < EVENT_MAX_REASONS; k++)
        h = mix_string(h, ev->reasons[k], sizeof ev->reasons[k]);
    return h;
}

static struct usage_event *head_at(const struct event_intern *in, uint32_t i)
{
    return &in->chunks[i / EVENT_INTERN_CHUNK][i % EVENT_INTERN_CHUNK];
}

static void place(struct event_intern *in, uint32_t i)
{
    size_t j = in->hashes[i] & (in->slot_cap - 1);
    while (in->slot[j] != UINT32_MAX)
        j = (j + 1) & (in->slot_cap - 1);
    in->slot[j] = i;
}

static void rehash(struct event_intern *in, size_t cap)
{
    free(in->slot);
    in->slot_cap = cap;
    in->slot = xmalloc(cap * sizeof *in->slot);
    memset(in->slot, 0xff, cap * sizeof *in->slot);
    for (uint32_t i = 0; i < in->n; i++)
        place(in, i);
}

const struct usage_event *event_intern_split(struct event_intern *in, struct usage_event *ev,
                                             struct event_numbers *num)
{
    event_numbers_of(ev, num);
#define ZERO(f) ev->f = 0;
    USAGE_NUMBERS(ZERO)
    CAPACITY_NUMBERS(ZERO)
#undef ZERO
    memset(ev->qty, 0, sizeof ev->qty);
    memset(ev->sig, 0, sizeof ev->sig);
    if (2 * ((size_t)in->n + 1) > in->slot_cap) rehash(in, in->slot_cap ? 2 * in->slot_cap : SLOTS_KEPT);
    uint64_t h = head_hash(ev);
    size_t j = h & (in->slot_cap - 1);
    for (; in->slot[j] != UINT32_MAX; j = (j + 1) & (in->slot_cap - 1)) {
        const struct usage_event *head = head_at(in, in->slot[j]);
        if (in->hashes[in->slot[j]] == h && !memcmp(head, ev, sizeof *ev)) return head;
    }
    assert(in->n < UINT32_MAX);
    if (in->n % EVENT_INTERN_CHUNK == 0 && in->n / EVENT_INTERN_CHUNK == in->nchunks) {
        ALLOC_GROW(in->chunks, in->nchunks, in->chunks_cap, 16);
        in->chunks[in->nchunks++] = xmalloc(EVENT_INTERN_CHUNK * sizeof **in->chunks);
    }
    ALLOC_GROW(in->hashes, in->n, in->hashes_cap, EVENT_INTERN_CHUNK);
    struct usage_event *head = head_at(in, in->n);
    memcpy(head, ev, sizeof *ev);
    in->hashes[in->n] = h;
    in->slot[j] = in->n++;
    return head;
}

size_t event_intern_bytes(const struct event_intern *in)
{
    return in->nchunks * EVENT_INTERN_CHUNK * sizeof(struct usage_event) +
           in->hashes_cap * sizeof *in->hashes + in->slot_cap * sizeof *in->slot;
}

void event_intern_reset(struct event_intern *in)
{
    for (size_t c = 1; c < in->nchunks; c++)
        free(in->chunks[c]);
    in->nchunks = in->nchunks ? 1 : 0;
    in->n = 0;
    if (in->hashes_cap > EVENT_INTERN_CHUNK) {
        free(in->hashes);
        in->hashes = NULL;
        in->hashes_cap = 0;
    }
    if (in->slot_cap > SLOTS_KEPT) {
        free(in->slot);
        in->slot = NULL;
        in->slot_cap = 0;
    } else if (in->slot) {
        memset(in->slot, 0xff, in->slot_cap * sizeof *in->slot);
    }
}

void event_intern_free(struct event_intern *in)
{
    for (size_t c = 0; c < in->nchunks; c++)
        free(in->chunks[c]);
    free(in->chunks);
    free(in->hashes);
    free(in->slot);
    memset(in, 0, sizeof *in);
}
