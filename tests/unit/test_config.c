/* Config: defaults for the local services, file keys, rdkafka pass-through,
 * environment over file, and errors naming the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/meter.h"

#include <stdbool.h>
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
    /* No meter at all: refused, naming the meters (as before the keys
     * became one table). */
    assert_int_equal(config_set(&cfg, "fapiao.tax_code.", "3040203000000000000", err, sizeof err),
                     -1);
    char want[512];
    snprintf(want, sizeof want, "unknown key \"fapiao.tax_code.\" (the meters are %s)",
             meter_code_list());
    assert_string_equal(err, want);
    assert_int_equal(
        config_set(&cfg, "invoice.seller_tax_id", "91310000MA1FL6TEST", err, sizeof err), 0);
    assert_int_equal(config_set(&cfg, "invoice.seller_tax_id", "9131", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "invoice.seller", "Op \xe2\x80\xae", err, sizeof err), -1);
    assert_non_null(strstr(err, "bidirectional"));
}

/* Each kind of key refuses a bad value with the message it gave before the
 * keys became one table (issue 33), the key named in it. */
static void test_refusals_name_the_key(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value, *message;
    } cases[] = {
        {"kafka.partitions", "0", "kafka.partitions must be a whole number from 1 to 10000"},
        {"rating.max_future_s", "-1",
         "rating.max_future_s must be a whole number of seconds from 0 to 31622400"},
        {"invoice.grace_days", "367",
         "invoice.grace_days must be a whole number of days from 0 to 366"},
        {"api.rate_per_s", "x",
         "api.rate_per_s must be a whole number of requests per second from 0 to 1000000"},
        {"api.session_max_s", "0",
         "api.session_max_s must be a whole number of seconds from 1 to 604800"},
        {"pg.api_user", "Api", "\"pg.api_user\" is a PostgreSQL user name: a-z, 0-9 and _"},
        {"signing.required", "maybe", "signing.required must be true or false"},
        {"tokens.bearer", "short", "tokens.bearer must be a secret of at least 16 bytes"},
        {"hmac.c1", "short", "hmac.c1 must be a secret of at least 16 bytes"},
        {"hmac.c2", "", "hmac.c2 must be a secret of at least 16 bytes"},
        {"tokens.bearer", "", NULL}, /* none */
        {"invoice.seller_tax_id", "", NULL},
        {"invoice.seller_bank", "a\nb",
         "value of \"invoice.seller_bank\" contains a control character"},
        {"pg.billing_user", "", NULL},
        {"fapiao.tax_code", "123",
         "fapiao.tax_code must be a tax classification code of 19 digits"},
        {"fapiao.tax_code.tokens", "x",
         "fapiao.tax_code.tokens must be a tax classification code of 19 digits"},
        {"fapiao.tax_code.gpu_hours", "3040203000000000000",
         "unknown key \"fapiao.tax_code.gpu_hours\" (the meters are gpu_ms, tokens, energy_mj, gpu_mem_gib_ms)"},
        {"invoice.seller_tax_id", "9131",
         "invoice.seller_tax_id must be 15 to 20 upper-case letters and digits"},
        {"kafka.topic", "", NULL},
        {"hmac.", "0123456789abcdef", "unknown key \"hmac.\""},
        {"pg.conninfox", "", "unknown key \"pg.conninfox\""},
    };
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        err[0] = '\0';
        int rc = config_set(&cfg, cases[i].key, cases[i].value, err, sizeof err);
        if (!cases[i].message && rc != 0)
            fail_msg("%s = \"%s\": expected to be taken, refused: %s", cases[i].key,
                     cases[i].value, err);
        if (cases[i].message && (rc != -1 || strcmp(err, cases[i].message)))
            fail_msg("%s = \"%s\": expected -1 and \"%s\", got %d and \"%s\"", cases[i].key,
                     cases[i].value, cases[i].message, rc, err);
    }
    /* the scaled kind: days into seconds */
    assert_int_equal(config_set(&cfg, "invoice.grace_days", "2", err, sizeof err), 0);
    assert_int_equal(cfg.grace_s, 2 * 86400);
    assert_int_equal(config_set(&cfg, "hmac.c1", "0123456789abcdef", err, sizeof err), 0);
    assert_string_equal(config_hmac_key(&cfg, "c1"), "0123456789abcdef");
    assert_int_equal(config_set(&cfg, "pg.rater_user", "r1", err, sizeof err), 0);
    assert_string_equal(cfg.pg_role_user[DB_ROLE_RATER], "r1");
}

/* docs/configuration.md's table "Keys and variables", parsed: each row's
 * keys (the backquoted names of its first column) and its variable. */
#define DOC_PATH     "docs/configuration.md"
#define DOC_MAX_KEYS 128
struct doc_key {
    char key[128], env[64]; /* env "" for "(file only)" */
    bool seen;              /* named by config_each_key */
};
struct doc_keys {
    struct doc_key k[DOC_MAX_KEYS];
    int n;
    char problems[4096]; /* what config_each_key and the doc disagree on */
};

/* Copies the first `...` at or after *p (before end) into out; false when none. */
static bool next_quoted(const char **p, const char *end, char *out, size_t cap)
{
    const char *a = memchr(*p, '`', (size_t)(end - *p));
    const char *b = a ? memchr(a + 1, '`', (size_t)(end - a - 1)) : NULL;
    if (!b) return false;
    snprintf(out, cap, "%.*s", (int)(b - a - 1), a + 1);
    *p = b + 1;
    return true;
}

static void read_doc_keys(struct doc_keys *d)
{
    FILE *f = fopen(DOC_PATH, "r");
    if (!f) fail_msg("expected to read %s (run from the repository's root), could not", DOC_PATH);
    char line[4096];
    bool in_table = false;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "## ", 3)) in_table = !strncmp(line, "## Keys and variables", 21);
        if (!in_table || strncmp(line, "| `", 3)) continue; /* a row with a key */
        const char *keys = line + 1, *keys_end = strchr(keys, '|');
        const char *env = keys_end + 1, *env_end = strchr(env, '|');
        assert_non_null(env_end);
        char envname[64] = "";
        const char *q = env;
        if (!next_quoted(&q, env_end, envname, sizeof envname)) envname[0] = '\0';
        char name[128];
        while (next_quoted(&keys, keys_end, name, sizeof name)) {
            if (d->n == DOC_MAX_KEYS) fail_msg("more than %d keys in %s", DOC_MAX_KEYS, DOC_PATH);
            snprintf(d->k[d->n].key, sizeof d->k[d->n].key, "%s", name);
            snprintf(d->k[d->n].env, sizeof d->k[d->n].env, "%s", envname);
            d->n++;
        }
    }
    fclose(f);
}

static void check_documented(const char *key, const char *env, void *ctx)
{
    struct doc_keys *d = ctx;
    size_t used = strlen(d->problems), room = sizeof d->problems - used;
    for (int i = 0; i < d->n; i++) {
        if (strcmp(d->k[i].key, key)) continue;
        d->k[i].seen = true;
        if (strcmp(d->k[i].env, env ? env : ""))
            snprintf(d->problems + used, room,
                     "  %s: expected variable \"%s\", the doc says \"%s\"\n",
                     key, env ? env : "(file only)", d->k[i].env[0] ? d->k[i].env : "(file only)");
        return;
    }
    snprintf(d->problems + used, room, "  %s: a key config_set takes, not in %s\n", key, DOC_PATH);
}

/* Every key config_set takes is documented, with its variable, and every
 * key documented is one config_set takes (issue 33: one table of keys). */
static void test_doc_names_every_key(void **state)
{
    (void)state;
    static struct doc_keys d;
    memset(&d, 0, sizeof d);
    read_doc_keys(&d);
    if (d.n < 10) fail_msg("expected the keys of %s, read %d", DOC_PATH, d.n);
    config_each_key(check_documented, &d);
    for (int i = 0; i < d.n; i++)
        if (!d.k[i].seen) {
            size_t used = strlen(d.problems);
            snprintf(d.problems + used, sizeof d.problems - used,
                     "  %s: documented in %s, not a key config_set takes\n", d.k[i].key, DOC_PATH);
        }
    if (d.problems[0])
        fail_msg("expected the table of keys and %s to agree:\n%s", DOC_PATH, d.problems);
}

/* receivables.dunning_steps (issue 34): the default, a list replacing it
 * whole, and each wrong step refused naming it. */
static void test_dunning_steps(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_int_equal(cfg.n_dunning_steps, 4);
    assert_int_equal(cfg.dunning_steps[0], 1);
    assert_int_equal(cfg.dunning_steps[3], 60);
    assert_int_equal(config_set(&cfg, "receivables.dunning_steps", " 3, 10 90", err, sizeof err), 0);
    assert_int_equal(cfg.n_dunning_steps, 3);
    assert_int_equal(cfg.dunning_steps[2], 90);
    static const struct {
        const char *value, *message;
    } bad[] = {
        {"1,15,15", "receivables.dunning_steps: \"15\" is not a step: steps are days past due "
                    "from 1 to 3650, strictly increasing, at most 16 (1,15,30,60)"},
        {"0", "receivables.dunning_steps: \"0\" is not a step: steps are days past due from 1 "
              "to 3650, strictly increasing, at most 16 (1,15,30,60)"},
        {"1,x", "receivables.dunning_steps: \"x\" is not a step: steps are days past due from 1 "
                "to 3650, strictly increasing, at most 16 (1,15,30,60)"},
        {"3651", "receivables.dunning_steps: \"3651\" is not a step: steps are days past due "
                 "from 1 to 3650, strictly increasing, at most 16 (1,15,30,60)"},
        {" , ", "receivables.dunning_steps needs at least one step (days past due, as 1,15,30,60)"},
        {"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
         "receivables.dunning_steps: \"17\" is not a step: steps are days past due from 1 to "
         "3650, strictly increasing, at most 16 (1,15,30,60)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        int rc = config_set(&cfg, "receivables.dunning_steps", bad[i].value, err, sizeof err);
        if (rc != -1 || strcmp(err, bad[i].message))
            fail_msg("receivables.dunning_steps = \"%s\": expected -1 and \"%s\", got %d and "
                     "\"%s\"",
                     bad[i].value, bad[i].message, rc, err);
    }
    /* a refused list changes nothing it had */
    assert_int_equal(cfg.n_dunning_steps, 3);
    assert_int_equal(cfg.dunning_steps[0], 3);
    assert_int_equal(cfg.dunning_steps[1], 10);
    assert_int_equal(cfg.dunning_steps[2], 90);
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
        cmocka_unit_test_setup(test_dunning_steps, clear_env),
        cmocka_unit_test_setup(test_actor_key, clear_env),
        cmocka_unit_test(test_refusals_name_the_key),
        cmocka_unit_test(test_doc_names_every_key),
    };
    int failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
    clear_env(NULL);
    return failed;
}
