/* bench_stream: the rating benches' event stream, one definition for
 * bench_rate (which produces it to Kafka) and bench_batch_add (which feeds
 * it to batch_add alone), so that both measure the same events.
 *
 * Event i of the stream: 2,000 GPUs on 250 nodes (one source each), each
 * GPU a job of its own on one of 20 accounts, 30-second windows from
 * 2026-10-01T00:00:00Z; seq[node] counts each node's events (an array of
 * BENCH_NODES, zeroed before the first event).
 *
 * Thread-safety: none needed; each caller owns its seq array and event. */
#ifndef GPUMETER_BENCH_STREAM_H
#define GPUMETER_BENCH_STREAM_H

#include "core/event.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BENCH_GPUS  2000
#define BENCH_NODES 250

static inline void bench_event(long i, int64_t *seq, struct usage_event *ev)
{
    memset(ev, 0, sizeof *ev);
    strcpy(ev->cluster, "bench");
    strcpy(ev->site, "s1");
    strcpy(ev->model, "H800");
    strcpy(ev->vendor, "nvidia");
    ev->has = EVENT_HAS_GPU_MS | EVENT_HAS_ENERGY;
    int gpu = (int)(i % BENCH_GPUS), node = gpu / (BENCH_GPUS / BENCH_NODES);
    snprintf(ev->source, sizeof ev->source, "dcgm/bench/node%03d", node);
    snprintf(ev->account, sizeof ev->account, "ns-%02d", gpu % 20);
    snprintf(ev->job, sizeof ev->job, "pod-%04d", gpu);
    ev->seq = ++seq[node];
    ev->start_ms = 1790812800000LL + (i / BENCH_GPUS) * 30000; /* 2026-10-01T00:00:00Z */
    ev->end_ms = ev->start_ms + 30000;
    ev->gpu_ms = 30000;
    ev->energy_mj = 19500000 + gpu;
}

#endif
