/* producer: delivers usage events to the usage topic without loss.
 *
 * Idempotent producer (acks=all, enable.idempotence) keyed by the event's
 * source, so one source's events stay in one partition, in seq order, with
 * no broker-side duplicates from retries. producer_close flushes and fails if
 * any message was not acknowledged. Every collector produces through this.
 * Thread-safety: a producer belongs to one thread (librdkafka's own threads are internal). */
#ifndef GPUMETER_PRODUCER_H
#define GPUMETER_PRODUCER_H

#include "core/config.h"
#include "core/event.h"

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

struct producer;

/* Checks the broker and topic first; NULL after printing why. */
struct producer *producer_open(const struct config *cfg);
/* Queues one message (waits while the local queue is full). */
bool producer_send(struct producer *p, const char *key, const char *payload, size_t len);
/* Encodes ev and queues it keyed by ev->source. */
bool producer_send_event(struct producer *p, const struct usage_event *ev);
/* Flushes, destroys; returns false if any message failed. *delivered counts
 * acknowledged messages. */
bool producer_close(struct producer *p, long long *delivered);

#endif
