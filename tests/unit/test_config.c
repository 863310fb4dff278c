/* Config: defaults for the local services, file keys, rdkafka pass-through,
 * environment over file, and errors naming the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/gpumeter-test-config-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int clear_env(void **state)
{
    (void)state;
    const char *vars[] = {"GPUMETER_CONFIG",  "GPUMETER_PG",        "GPUMETER_KAFKA_BROKERS",
                          "GPUMETER_TOPIC",   "GPUMETER_GROUP",     "GPUMETER_PARTITIONS",
                          "GPUMETER_PG_PORT", "GPUMETER_KAFKA_PORT"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    if (path[0]) unlink(path);
    return 0;
}

static void test_defaults_point_at_local_services(void **state)
{
    (void)state;
    struct config cfg;
    assert_int_equal(config_load(&cfg), 0);
    assert_string_equal(cfg.pg_conninfo, "host=127.0.0.1 port=15432 dbname=gpumeter user=gpumeter");
    assert_string_equal(cfg.kafka_brokers, "127.0.0.1:19092");
    assert_string_equal(cfg.topic, "gpumeter.usage.v1");
    assert_string_equal(cfg.group, "gpumeter-rater");
    assert_int_equal(cfg.partitions, 6);
    setenv("GPUMETER_PG_PORT", "25432", 1);
    setenv("GPUMETER_KAFKA_PORT", "29092", 1);
    assert_int_equal(config_load(&cfg), 0);
    assert_non_null(strstr(cfg.pg_conninfo, "port=25432"));
    assert_string_equal(cfg.kafka_brokers, "127.0.0.1:29092");
}

static void test_file_then_environment(void **state)
{
    (void)state;
    write_file("# production\n"
               "pg.conninfo = host=db.internal dbname=billing\n"
               "kafka.brokers = k1:9092,k2:9092   # two brokers\n"
               "kafka.topic = usage\n\n"
               "kafka.partitions = 24\n"
               "rdkafka.security.protocol = SASL_SSL\n"
               "rdkafka.fetch.max.bytes = 1048576\n"
               "rdkafka.security.protocol = SSL\n");
    setenv("GPUMETER_CONFIG", path, 1);
    setenv("GPUMETER_TOPIC", "usage-from-env", 1);
    struct config cfg;
    assert_int_equal(config_load(&cfg), 0);
    assert_string_equal(cfg.pg_conninfo, "host=db.internal dbname=billing");
    assert_string_equal(cfg.kafka_brokers, "k1:9092,k2:9092");
    assert_string_equal(cfg.topic, "usage-from-env");
    assert_int_equal(cfg.partitions, 24);
    assert_int_equal(cfg.n_rdkafka, 2);
    assert_string_equal(cfg.rdkafka[0].key, "security.protocol");
    assert_string_equal(cfg.rdkafka[0].value, "SSL");
    assert_string_equal(cfg.rdkafka[1].key, "fetch.max.bytes");
}

static void test_bad_file_names_path_and_line(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    write_file("kafka.topic = t\nkafka.bogus = 1\n");
    config_defaults(&cfg);
    assert_int_equal(config_read_file(&cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: unknown key \"kafka.bogus\""));
    write_file("just words\n");
    assert_int_equal(config_read_file(&cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: expected \"key = value\""));
    write_file("kafka.partitions = lots\n");
    assert_int_equal(config_read_file(&cfg, path, err, sizeof err), -1);
    setenv("GPUMETER_CONFIG", path, 1);
    assert_int_equal(config_load(&cfg), -1);
    setenv("GPUMETER_CONFIG", "/nonexistent/gpumeter.conf", 1);
    assert_int_equal(config_load(&cfg), -1);
}

static void test_bad_environment_is_an_error(void **state)
{
    (void)state;
    struct config cfg;
    setenv("GPUMETER_PARTITIONS", "0", 1);
    assert_int_equal(config_load(&cfg), -1);
}

/* The token endpoint's keys (issue 31): defaults sized for real reports,
 * limits refused out of range with the key's name. */
static void test_tokens_keys(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_int_equal(cfg.tokens_max_body_kb, 4096);
    assert_int_equal(cfg.tokens_max_connections, 256);
    assert_int_equal(cfg.tokens_max_inflight_mb, 32);
    assert_int_equal(cfg.tokens_request_timeout_s, 60);
    assert_string_equal(cfg.tokens_reporters, "");
    assert_int_equal(config_set(&cfg, "tokens.reporters", "/etc/gpumeter/reporters", err,
                                sizeof err),
                     0);
    assert_string_equal(cfg.tokens_reporters, "/etc/gpumeter/reporters");
    assert_int_equal(config_set(&cfg, "tokens.bearer_accounts", "acme-*,beta", err, sizeof err),
                     0);
    assert_string_equal(cfg.tokens_bearer_accounts, "acme-*,beta");
    assert_int_equal(config_set(&cfg, "tokens.request_timeout_s", "5", err, sizeof err), 0);
    assert_int_equal(cfg.tokens_request_timeout_s, 5);
    assert_int_equal(config_set(&cfg, "tokens.request_timeout_s", "0", err, sizeof err), -1);
    assert_non_null(strstr(err, "tokens.request_timeout_s"));
    assert_int_equal(config_set(&cfg, "tokens.max_inflight_mb", "0", err, sizeof err), -1);
    assert_non_null(strstr(err, "tokens.max_inflight_mb"));
    assert_int_equal(config_set(&cfg, "tokens.max_body_kb", "x", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "tokens.max_connections", "10001", err, sizeof err), -1);
}

/* The fapiao keys: the kind, one code for every line and one per meter
 * that overrides it; malformed values are refused with the key's name. */
/* audit.actor is written to audit_log: the --actor rule (1 to 64
 * characters, printable, not blank), refused with the key named. */
static void test_actor_key(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_int_equal(config_set(&cfg, "audit.actor", "Zhang San", err, sizeof err), 0);
    assert_string_equal(cfg.actor, "Zhang San");
    assert_int_equal(config_set(&cfg, "audit.actor", "\xe5\xbc\xa0\xe4\xb8\x89", err, sizeof err), 0);
    const char *bad[] = {" ", "ev\xe2\x80\xaeil", "a\nb", "\xff", "\xe2\x80\x8b",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (config_set(&cfg, "audit.actor", bad[i], err, sizeof err) != -1)
            fail_msg("audit.actor bad[%zu] was taken", i);
        assert_non_null(strstr(err, "audit.actor"));
    }
    assert_string_equal(cfg.actor, "\xe5\xbc\xa0\xe4\xb8\x89"); /* unchanged by a refusal */
}

static void test_fapiao_keys(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_true(cfg.fapiao.special);
    assert_string_equal(config_fapiao_tax_code(&cfg.fapiao, "gpu_ms"), "");
    assert_int_equal(config_set(&cfg, "fapiao.invoice_type", "normal", err, sizeof err), 0);
    assert_false(cfg.fapiao.special);
    assert_int_equal(config_set(&cfg, "fapiao.tax_code", "3040203000000000000", err, sizeof err),
                     0);
    assert_int_equal(
        config_set(&cfg, "fapiao.tax_code.tokens", "3040201000000000000", err, sizeof err), 0);
    assert_string_equal(config_fapiao_tax_code(&cfg.fapiao, "tokens"), "3040201000000000000");
    assert_string_equal(config_fapiao_tax_code(&cfg.fapiao, "gpu_ms"), "3040203000000000000");
    assert_string_equal(config_fapiao_tax_code(&cfg.fapiao, ""), "3040203000000000000");
    assert_int_equal(config_set(&cfg, "fapiao.invoice_type", "red", err, sizeof err), -1);
    assert_non_null(strstr(err, "fapiao.invoice_type"));
    assert_int_equal(config_set(&cfg, "fapiao.tax_code", "30402030000000000001", err, sizeof err),
                     -1);
    assert_int_equal(config_set(&cfg, "fapiao.tax_code", "304020300000000000x", err, sizeof err),
                     -1);
    assert_int_equal(
        config_set(&cfg, "fapiao.tax_code.gpu_hours", "3040203000000000000", err, sizeof err), -1);
    assert_non_null(strstr(err, "gpu_hours"));
    assert_int_equal(
        config_set(&cfg, "invoice.seller_tax_id", "91310000MA1FL6TEST", err, sizeof err), 0);
    assert_int_equal(config_set(&cfg, "invoice.seller_tax_id", "9131", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "invoice.seller", "Op \xe2\x80\xae", err, sizeof err), -1);
    assert_non_null(strstr(err, "bidirectional"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults_point_at_local_services, clear_env),
        cmocka_unit_test_setup(test_file_then_environment, clear_env),
        cmocka_unit_test_setup(test_bad_file_names_path_and_line, clear_env),
        cmocka_unit_test_setup(test_bad_environment_is_an_error, clear_env),
        cmocka_unit_test_setup(test_fapiao_keys, clear_env),
        cmocka_unit_test_setup(test_tokens_keys, clear_env),
        cmocka_unit_test_setup(test_actor_key, clear_env),
    };
    int failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
    clear_env(NULL);
    return failed;
}
