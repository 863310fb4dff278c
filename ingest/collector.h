/* collector: the machinery every `gpumeter collect <source>` shares.
 *
 * A source is a name, the options it takes and a function that meters one
 * input (a scrape, a CSV, sacct output, token lines) into a cycle. The
 * collector does the rest, the same way for every source:
 *  - inputs: --file PATH (or - for stdin), URLs scraped in parallel with
 *    per-URL retry backoff, or the source's own command (nvidia-smi, sacct,
 *    npu-smi info) when neither is given;
 *    a source with OPT_JOIN (hami) meters a round's URLs as one input, their
 *    bodies one after the other, and only when every URL answered;
 *  - one round at --at (one-shot) or every --interval seconds (daemon);
 *  - state in --state-dir, committed with the round's events in one spool
 *    batch, or written after the events with --stdout; a round that cannot
 *    be committed is rolled back whole, so no window is skipped or repeated;
 *  - delivery from the spool to Kafka (deliver.h), a metrics file
 *    (metrics.prom, Prometheus textfile format) and a lock so only one
 *    collector uses a state directory.
 * docs/collectors.md documents the flags, rules and files.
 * Not thread-safe: one collector process runs one collector; the stop
 * flag is set by the signal handler only. */
#ifndef GPUMETER_COLLECTOR_H
#define GPUMETER_COLLECTOR_H

#include "ingest/accounts.h"
#include "ingest/cycle.h"
#include "ingest/sacct.h"
#include "ingest/tokens.h"
#include "ingest/trainer_log.h"
#include "ingest/rejects.h"

#include <stdbool.h>
#include <stddef.h>

enum collector_option {
    OPT_URLS = 1 << 0,    /* positional URLs to scrape */
    OPT_NODE = 1 << 1,    /* --node */
    OPT_MODEL = 1 << 2,   /* --model */
    OPT_ACCOUNT = 1 << 3, /* --account */
    OPT_MAP = 1 << 4,     /* --account-map */
    OPT_GAP = 1 << 5,     /* --max-gap */
    OPT_COLUMNS = 1 << 6, /* --columns, --utc-offset (sacct) */
    OPT_LISTEN = 1 << 7,  /* --listen (tokens) */
    OPT_TRAINER = 1 << 8, /* --format, --job, --account, --utc-offset, --seq-length,
                             --tokens-per-step (tokens: trainer logs) */
    OPT_JOIN = 1 << 9,    /* a round's URLs are one input, metered only when every one answered */
    OPT_HAMI = 1 << 10,   /* --pods, --share (hami) */
    OPT_HEALTH = 1 << 11, /* --health: device health events (health.h) */
};

/* What a source's meter function may consult besides the input. */
struct collect_env {
    const char *node;   /* node of this input: --node, else the URL's host or this host */
    bool node_override; /* --node was given: it wins over host names in the input */
    const char *model, *account;
    const struct account_map *map;
    const struct sacct_opts *sacct;
    const struct trainer_log_opts *trainer;
    const char *pods;   /* hami --pods: this round's kubectl get pods -A -o json, or NULL */
    size_t pods_len;
    const char *pods_origin;
    bool memory_shares; /* hami --share memory */
};

struct collector_kind {
    const char *name, *summary;
    unsigned options;    /* enum collector_option */
    const char *command; /* run when there is no --file or URL, or NULL */
    /* Returns the number of input records accepted. */
    long (*meter)(struct cycle *cy, const char *text, size_t len, const struct collect_env *env,
                  struct rejects *r);
};

struct collector;

int collector_main(const struct collector_kind *kind, int argc, char **argv);

#endif
