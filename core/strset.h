/* strset: an open-addressing hash set of borrowed strings.
 *
 * For the hot paths that would otherwise sort every message's key: collect
 * the distinct keys of a batch (sources, accounts) in linear time, then sort
 * only those. Strings are not copied; they must outlive the set. A set belongs to one thread at a
 * time. */
#ifndef GPUMETER_STRSET_H
#define GPUMETER_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strset {
    const char **slot; /* NULL = empty */
    size_t cap, n;
};

uint64_t strset_hash(const char *s);
/* Adds s; true when it was not there yet. */
bool strset_add(struct strset *set, const char *s);
/* Whether s is in the set. */
bool strset_has(const struct strset *set, const char *s);
void strset_free(struct strset *set);

#endif
