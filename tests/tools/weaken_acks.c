/* weaken_acks: an LD_PRELOAD library that turns every Kafka producer of the
 * process it is loaded into to acks=1 without idempotence, whatever the
 * program asks for. gpumeter sets acks=all and enable.idempotence=true over
 * any rdkafka.* setting (core/kafka.c), so no configuration can weaken it;
 * the broker fault suite (tests/integration/test_fault_broker_cluster.sh,
 * GPUMETER_FAULT_WEAKEN=acks1) loads this to show that its checks catch the
 * events such a producer loses. Never for production.
 *
 * Built by that suite: cc -shared -fPIC -o weaken_acks.so weaken_acks.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <librdkafka/rdkafka.h>
#include <string.h>

typedef rd_kafka_conf_res_t (*conf_set_fn)(rd_kafka_conf_t *, const char *, const char *, char *,
                                           size_t);

rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                                      char *errstr, size_t errstr_size)
{
    static conf_set_fn real;
    if (!real) real = (conf_set_fn)dlsym(RTLD_NEXT, "rd_kafka_conf_set");
    if (!strcmp(name, "acks"))
        value = "1";
    else if (!strcmp(name, "enable.idempotence"))
        value = "false";
    return real(conf, name, value, errstr, errstr_size);
}
