/* deliver: moves spooled batches to the usage topic, in order.
 *
 * An idempotent producer (producer_conf) with no message timeout: while the
 * broker is down, messages wait in librdkafka and in the spool, and go out
 * in order when it is back. A batch leaves the spool when every message in
 * it is acknowledged. A batch whose messages failed (a missing topic) is
 * sent again after a pause; after a fatal producer error (the handle would
 * fail every message for good) the producer is replaced by a new one and
 * every batch not wholly acknowledged is sent again. The duplicates either
 * may create are dropped downstream by source + seq. cfg must outlive the
 * deliverer (a new producer is made from it).
 * Not thread-safe: one collector thread owns its delivery. */
#ifndef GPUMETER_DELIVER_H
#define GPUMETER_DELIVER_H

#include "core/config.h"
#include "ingest/spool.h"

#include <librdkafka/rdkafka.h>

#include <stdbool.h>

struct deliverer;

struct deliverer *deliver_open(const struct config *cfg, struct spool *sp);
/* Hands waiting messages to Kafka, serves acknowledgements for up to
 * wait_ms, and removes fully delivered batches. */
void deliver_pump(struct deliverer *d, int wait_ms);
/* Acknowledged messages since open. */
long long deliver_count(const struct deliverer *d);
/* Producers replaced after a fatal error since open. */
long deliver_replaced(const struct deliverer *d);
/* The current producer (NULL while none could be made): tests inject a
 * fatal error into it with librdkafka's rd_kafka_test_fatal_error. */
rd_kafka_t *deliver_producer(const struct deliverer *d);
/* Stops: in-flight messages are dropped from memory (they stay spooled). */
void deliver_close(struct deliverer *d);

#endif
