/* state: what a collector remembers between scrapes.
 *
 * A small map from text keys ("seq dcgm/c1/node1", "dev node1 GPU-…",
 * "job 4711") to four integers and the time the key was last touched. It is
 * serialised as text, one escaped key per line, and saved with an atomic
 * rename; the spool (spool.h) embeds the same text in every batch, so the
 * state that produced a batch commits with it. `batch` is the number of the
 * last batch this state produced.
 * Not thread-safe: one collector thread owns a state. */
#ifndef GPUMETER_STATE_H
#define GPUMETER_STATE_H

#include "core/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_VALUES 4

struct state_entry {
    char *key;
    int64_t v[STATE_VALUES];
    int64_t touched_ms;
    struct state_entry *next;
};

struct state {
    struct state_entry **buckets;
    size_t nbuckets, count;
    int64_t batch;
};

void state_init(struct state *s);
void state_free(struct state *s);
struct state_entry *state_find(const struct state *s, const char *key);
/* Finds or adds key; a new entry has all values -1 and *created set. */
struct state_entry *state_get(struct state *s, const char *key, bool *created);
/* Drops entries not touched since cutoff_ms. */
void state_prune(struct state *s, int64_t cutoff_ms);
/* Appends the text form; state_parse reads it back (false when corrupt). */
void state_serialize(const struct state *s, struct strbuf *out);
bool state_parse(struct state *s, const char *text, size_t len);

#endif
