/* trainer_log: token counts read from trainers' own logs, for trainers that
 * post no JSON lines (docs/collectors.md, "Trainer logs").
 *
 * Megatron-LM prints the cumulative "consumed samples" on each iteration
 * line ("[2024-01-15 10:30:00] iteration 10/ 50 | consumed samples: 640 |
 * ..."): the job's cumulative tokens are consumed samples x sequence length
 * (--seq-length, or `seq_length ....... N` from the arguments the run
 * prints at start; both given and different is refused); a whole
 * "consumed tokens: N" on the line (Megatron-DeepSpeed and its forks) is
 * the run's own cumulative count and is used as it is, with no sequence
 * length needed. torchtitan prints "step: N" with a rounded per-rank
 * tokens-per-second rate ("tps:", "wps:" before late 2024): the cumulative
 * tokens are N x tokens per step (--tokens-per-step: global batch x
 * sequence length); the rate is never integrated, it is rounded and
 * averaged and would guess. Neither log has a time zone: every timestamp
 * is read at utc_offset_ms. A step line without a timestamp is a bad line
 * (it cannot be placed in time) unless untimed_at_collection: then it
 * takes the collection time (cy->at_ms: --at, else now), for the many
 * Megatron forks that print no time on iteration lines; a line with a
 * timestamp keeps its own. The highest unstamped count is metered once,
 * after the stamped lines (and only when above them: below, it was
 * consumed before them). The count being cumulative, a log collected
 * periodically so bills one event per collection, of what was consumed
 * since the previous one, ending at this collection's time. An input with
 * no usable step line is
 * unusable, with why. Lines that are no step line (arguments, warnings,
 * profiler output) are other log output and are skipped without counting.
 * Each count is metered by tokens_meter (tokens.h): a restart from a
 * checkpoint re-logs lower counts and bills nothing until it passes the
 * high-water mark. So one absurd count would hold every later one below it
 * for good, and these lines are bad lines, never billed, the mark unmoved:
 *  - a step line stamped after the collection time plus the allowed clock
 *    skew (tokens_time_ok);
 *  - Megatron: consumed samples above iteration x the run's largest global
 *    batch size (the arguments' global_batch_size, the largest of several
 *    argument blocks; without arguments the largest "global batch size:"
 *    of its iteration lines, AscendSpeed's "gloabl batch size:" too), or
 *    consumed tokens above that x the sequence length when it is known;
 *    ramp-up batches are smaller and a restart continues both counters, so
 *    a valid log never passes the bound. A log that states no global batch
 *    size is not bounded so; when it states one, an iteration line without
 *    its iteration number is a bad line;
 *  - torchtitan: a step above TRAINER_LOG_MAX_STEP.
 * Not thread-safe: one collector thread owns the cycle. */
#ifndef GPUMETER_TRAINER_LOG_H
#define GPUMETER_TRAINER_LOG_H

#include "ingest/cycle.h"
#include "ingest/rejects.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trainer_log_format { TRAINER_LOG_JSONL, TRAINER_LOG_MEGATRON, TRAINER_LOG_TORCHTITAN };

/* A torchtitan step above this is a bad line: at a step a second a run
 * would take 30,000 years to reach it. */
#define TRAINER_LOG_MAX_STEP 1000000000000LL

struct trainer_log_opts {
    enum trainer_log_format format;
    const char *job, *account; /* every count of the log is this job's */
    int64_t utc_offset_ms;     /* the time zone of the log's timestamps */
    int64_t seq_length;        /* megatron; 0: from the logged arguments */
    int64_t tokens_per_step;   /* torchtitan; required */
    /* --untimed collection: an unstamped step line is a count at the
     * collection time (cy->at_ms), not a bad line */
    bool untimed_at_collection;
};

/* "jsonl", "megatron" or "torchtitan"; false for anything else. Pure. */
bool trainer_log_format_parse(const char *s, enum trainer_log_format *out);

/* Meters a megatron or torchtitan log; the step lines accepted. */
long trainer_log_collect(struct cycle *cy, const char *text, size_t len,
                         const struct trainer_log_opts *o, struct rejects *r);

#endif
