/* deliver: moves spooled batches to the usage topic, in order.
 *
 * An idempotent producer (producer_conf) with no message timeout: while the
 * broker is down, messages wait in librdkafka and in the spool, and go out
 * in order when it is back. A batch leaves the spool when every message in
 * it is acknowledged. A batch whose messages failed (a fatal producer
 * error, a missing topic) is sent again after a pause; the duplicates this
 * may create are dropped downstream by source + seq.
 * Not thread-safe: one collector thread owns its delivery. */
#ifndef GPUMETER_DELIVER_H
#define GPUMETER_DELIVER_H

#include "core/config.h"
#include "ingest/spool.h"

#include <stdbool.h>

struct deliverer;

struct deliverer *deliver_open(const struct config *cfg, struct spool *sp);
/* Hands waiting messages to Kafka, serves acknowledgements for up to
 * wait_ms, and removes fully delivered batches. */
void deliver_pump(struct deliverer *d, int wait_ms);
/* Acknowledged messages since open. */
long long deliver_count(const struct deliverer *d);
/* Stops: in-flight messages are dropped from memory (they stay spooled). */
void deliver_close(struct deliverer *d);

#endif
