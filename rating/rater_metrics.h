/* rater_metrics: what a rater counts, as a Prometheus text page.
 *
 * Counters cover the process's lifetime (Prometheus handles restarts);
 * consumer lag is per held partition: the broker's high watermark minus the
 * position being fetched. docs/rating.md lists every series.
 * Not thread-safe: the rater's main thread owns its counters. */
#ifndef GPUMETER_RATER_METRICS_H
#define GPUMETER_RATER_METRICS_H

#include "rating/batch.h"
#include "rating/metrics_http.h"

#include <librdkafka/rdkafka.h>

struct rater_stats {
    struct batch_counts counts;
    long long commits, commit_ms_sum, batch_events_sum;
    long long fenced, reconnects, released;
};

void rater_metrics_commit(struct rater_stats *s, size_t events, int64_t commit_ms);
/* Renders the page (lag queried from rk's cached watermarks) and publishes it. */
void rater_metrics_publish(const struct rater_stats *s, struct metrics_http *m, rd_kafka_t *rk,
                           const char *topic, const struct partition_epoch *held, int nheld);

#endif
