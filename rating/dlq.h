/* dlq: the dead-letter topic.
 *
 * Every event the rater cannot rate is copied there, byte for byte, with
 * headers saying why and where it came from: reason (the reason code),
 * detail (a sentence naming the field), source_topic, source_partition and
 * source_offset. The rater waits for the broker to acknowledge its dead
 * letters before it commits the batch that counts them, so a counted dead
 * letter is always on the topic; a crash between the two can repeat a copy,
 * which the source_* headers identify.
 * Not thread-safe: one thread at a time, the rater's, or the flusher's
 * while a batch is in flight (flusher.h). */
#ifndef GPUMETER_DLQ_H
#define GPUMETER_DLQ_H

#include "core/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dlq;

struct dlq *dlq_open(const struct config *cfg);
bool dlq_send(struct dlq *q, const char *payload, size_t len, const char *reason,
              const char *detail, const char *source_topic, int32_t partition, int64_t offset);
/* True when every dead letter sent so far is acknowledged within timeout_ms. */
bool dlq_flush(struct dlq *q, int timeout_ms);
void dlq_close(struct dlq *q);

#endif
