/* strset: open addressing with linear probing (see strset.h). */
#include "strset.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

uint64_t strset_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void grow(struct strset *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    const char **slot = xcalloc(cap, sizeof *slot);
    for (size_t i = 0; i < set->cap; i++) {
        if (!set->slot[i]) continue;
        size_t j = strset_hash(set->slot[i]) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = set->slot[i];
    }
    free(set->slot);
    set->slot = slot;
    set->cap = cap;
}

bool strset_add(struct strset *set, const char *s)
{
    if (2 * (set->n + 1) > set->cap) grow(set);
    size_t j = strset_hash(s) & (set->cap - 1);
    for (; set->slot[j]; j = (j + 1) & (set->cap - 1))
        if (!strcmp(set->slot[j], s)) return false;
    set->slot[j] = s;
    set->n++;
    return true;
}

bool strset_has(const struct strset *set, const char *s)
{
    if (!set->cap) return false;
    for (size_t j = strset_hash(s) & (set->cap - 1); set->slot[j]; j = (j + 1) & (set->cap - 1))
        if (!strcmp(set->slot[j], s)) return true;
    return false;
}

void strset_free(struct strset *set)
{
    free(set->slot);
    memset(set, 0, sizeof *set);
}
