/* kafka: librdkafka handles built from the gpumeter configuration.
 *
 * kafka_conf_new sets bootstrap.servers and every rdkafka.* pass-through
 * property; librdkafka's own log lines go to debug output so a user sees one
 * clear error from gpumeter rather than a stream of retries.
 * kafka_check_topic proves the broker answers and the topic exists before any
 * work starts, naming what was tried when it does not. A handle is driven by one thread (librdkafka
 * runs its own). */
#ifndef GPUMETER_KAFKA_H
#define GPUMETER_KAFKA_H

#include "config.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

/* NULL after printing the property librdkafka refused. */
rd_kafka_conf_t *kafka_conf_new(const struct config *cfg);
/* Sets one property; false after printing why. */
bool kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value);
/* Whether the configuration sets rdkafka.<key> (an operator's override). */
bool kafka_user_set(const struct config *cfg, const char *key);
/* Short client timeouts toward a hung broker (kafka.c says why), each
 * unless an rdkafka.* key sets it; request.timeout.ms only for a producer.
 * False after printing the property librdkafka refused. */
bool kafka_set_hang_timeouts(rd_kafka_conf_t *conf, const struct config *cfg, bool producer);
/* The client settings every usage producer uses (idempotence, acks=all,
 * lz4, a short linger), over the rdkafka.* pass-through, and the hang
 * timeouts; NULL after logging. */
rd_kafka_conf_t *kafka_producer_conf(const struct config *cfg);
/* Creates a handle (takes ownership of conf); NULL after printing why. */
rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf);

/* False after printing "could not reach Kafka at ..." with a hint. */
bool kafka_reachable(rd_kafka_t *rk, const struct config *cfg, int timeout_ms);
/* Returns the topic's partition count, or -1 after printing "could not reach
 * Kafka at ..." or "topic ... does not exist" with a hint. */
int kafka_check_topic(rd_kafka_t *rk, const struct config *cfg, const char *topic, int timeout_ms);

#endif
