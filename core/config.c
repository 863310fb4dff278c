/* config: defaults, file, environment (see config.h). */
#include "config.h"

#include "cli.h"
#include "log.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PG_PORT    "15432"
#define DEFAULT_KAFKA_PORT "19092"

static int copy_value(char *dst, size_t cap, const char *value, const char *key, char *err,
                      size_t errlen)
{
    if (strlen(value) >= cap) {
        snprintf(err, errlen, "value of \"%s\" is longer than %zu bytes", key, cap - 1);
        return -1;
    }
    strcpy(dst, value);
    return 0;
}

/* The same rule as every --actor (cli_text_ok): it is written to audit_log. */
static int set_actor(struct config *cfg, const char *key, const char *value, char *err,
                     size_t errlen)
{
    size_t n = strlen(value);
    const char *why = utf8_text_problem(value, n);
    if (!why && utf8_chars(value, n) > CLI_ACTOR_MAX) why = "is too long";
    if (why) {
        snprintf(err, errlen, "%s %s (it takes 1 to %d printable characters)", key, why,
                 CLI_ACTOR_MAX);
        return -1;
    }
    return copy_value(cfg->actor, sizeof cfg->actor, value, key, err, errlen);
}

/* Written once by main() before any thread, then only read. */
static enum db_role process_role = DB_ROLE_BILLING;

void config_use_role(enum db_role role)
{
    process_role = role;
}

static const char *const role_keys[DB_ROLES] = {"", "pg.rater_user", "pg.billing_user",
                                                "pg.api_user"};

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->pg_conninfo, sizeof cfg->pg_conninfo,
             "host=127.0.0.1 port=%s dbname=gpumeter user=gpumeter",
             env_or("GPUMETER_PG_PORT", DEFAULT_PG_PORT));
    snprintf(cfg->kafka_brokers, sizeof cfg->kafka_brokers, "127.0.0.1:%s",
             env_or("GPUMETER_KAFKA_PORT", DEFAULT_KAFKA_PORT));
    strcpy(cfg->topic, "gpumeter.usage.v1");
    strcpy(cfg->group, "gpumeter-rater");
    cfg->partitions = 6;
    cfg->max_future_s = 900;
    cfg->late_horizon_s = 3 * 86400;
    cfg->grace_s = 3 * 86400;
    snprintf(cfg->seller.name, sizeof cfg->seller.name, "GPU compute operator");
    cfg->fapiao.special = true;
    cfg->api_rate = 1000;
    cfg->api_cache_mb = 64;
    cfg->api_max_connections = 4096;
    cfg->api_max_connections_per_ip = 64;
    cfg->api_request_timeout_s = 10;
    cfg->api_idle_timeout_s = 30;
    cfg->api_auth_failures_per_min = 30;
    cfg->api_session_idle_s = 1800;
    cfg->api_session_max_s = 43200;
    cfg->api_sessions_per_key = 16;
    cfg->signing_required = -1;
    cfg->tokens_max_connections = 256;
    cfg->tokens_max_body_kb = 4096;
    cfg->tokens_request_timeout_s = 60;
    cfg->tokens_max_inflight_mb = 32;
    snprintf(cfg->actor, sizeof cfg->actor, "%s", env_or("USER", "unknown"));
    size_t n = strlen(cfg->actor);
    if (utf8_text_problem(cfg->actor, n) || utf8_chars(cfg->actor, n) > CLI_ACTOR_MAX)
        strcpy(cfg->actor, "unknown"); /* a $USER no --actor could be: not a name */
    strcpy(cfg->pg_role_user[DB_ROLE_RATER], "gpumeter_rater");
    strcpy(cfg->pg_role_user[DB_ROLE_BILLING], "gpumeter_billing");
    strcpy(cfg->pg_role_user[DB_ROLE_API], "gpumeter_api");
}

const char *config_dlq_topic(const struct config *cfg, char *buf, size_t cap)
{
    if (cfg->dlq_topic[0]) return cfg->dlq_topic;
    snprintf(buf, cap, "%s.dlq", cfg->topic);
    return buf;
}

static int set_whole(long *out, const char *key, const char *value, long max, const char *unit,
                     char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (errno || end == value || *end || n < 0 || n > max) {
        snprintf(err, errlen, "%s must be a whole number of %s from 0 to %ld", key, unit, max);
        return -1;
    }
    *out = n;
    return 0;
}

static int set_seconds(long *out, const char *key, const char *value, char *err, size_t errlen)
{
    return set_whole(out, key, value, 366L * 86400, "seconds", err, errlen);
}

static int set_partitions(struct config *cfg, const char *value, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (errno || end == value || *end || n < 1 || n > 10000) {
        snprintf(err, errlen, "kafka.partitions must be a whole number from 1 to 10000");
        return -1;
    }
    cfg->partitions = n;
    return 0;
}

/* Sets list[key + prefix_len] = value, adding the entry when it is new. */
static int put_kv(struct config_kv *list, int *n, int max, const char *key, size_t prefix_len,
                  const char *value, char *err, size_t errlen)
{
    const char *name = key + prefix_len;
    struct config_kv *kv = NULL;
    for (int i = 0; i < *n; i++)
        if (!strcmp(list[i].key, name)) kv = &list[i];
    if (!kv) {
        if (*n == max) {
            snprintf(err, errlen, "more than %d %.*s* settings", max, (int)prefix_len, key);
            return -1;
        }
        kv = &list[(*n)++];
        if (copy_value(kv->key, sizeof kv->key, name, key, err, errlen)) return -1;
    }
    return copy_value(kv->value, sizeof kv->value, value, key, err, errlen);
}

bool config_signing_required(const struct config *cfg)
{
    return cfg->signing_required >= 0 ? cfg->signing_required : cfg->n_hmac > 0;
}

static int set_bool(int *out, const char *key, const char *value, char *err, size_t errlen)
{
    if (!strcmp(value, "true") || !strcmp(value, "on") || !strcmp(value, "1")) {
        *out = 1;
    } else if (!strcmp(value, "false") || !strcmp(value, "off") || !strcmp(value, "0")) {
        *out = 0;
    } else {
        snprintf(err, errlen, "%s must be true or false", key);
        return -1;
    }
    return 0;
}

/* api.trusted_proxies: addresses or prefixes, separated by commas or
 * spaces; "" trusts none. The whole list replaces the previous one. */
static int set_trusted_proxies(struct config *cfg, const char *value, char *err, size_t errlen)
{
    int n = 0;
    for (const char *p = value; *p;) {
        p += strspn(p, ", \t");
        size_t len = strcspn(p, ", \t");
        if (!len) break;
        char item[NETADDR_TEXT + 8];
        if (n == CONFIG_MAX_PROXIES) {
            snprintf(err, errlen, "api.trusted_proxies holds at most %d addresses or prefixes",
                     CONFIG_MAX_PROXIES);
            return -1;
        }
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        if (len >= sizeof item || !netaddr_prefix_parse(item, &cfg->api_trusted_proxies[n])) {
            snprintf(err, errlen,
                     "api.trusted_proxies: \"%.*s\" is not an IP address or prefix "
                     "(10.0.0.5, 10.0.0.0/8, fd00::/8)",
                     (int)(len > 64 ? 64 : len), p);
            return -1;
        }
        n++;
        p += len;
    }
    cfg->n_trusted_proxies = n;
    return 0;
}

const char *config_hmac_key(const struct config *cfg, const char *cluster)
{
    for (int i = 0; i < cfg->n_hmac; i++)
        if (!strcmp(cfg->hmac[i].key, cluster)) return cfg->hmac[i].value;
    return NULL;
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    for (int r = DB_ROLE_RATER; r < DB_ROLES; r++)
        if (!strcmp(key, role_keys[r])) {
            if (strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(value)) {
                snprintf(err, errlen, "\"%s\" is a PostgreSQL user name: a-z, 0-9 and _", key);
                return -1;
            }
            return copy_value(cfg->pg_role_user[r], sizeof cfg->pg_role_user[r], value, key, err,
                              errlen);
        }
    if (!strcmp(key, "pg.conninfo"))
        return copy_value(cfg->pg_conninfo, sizeof cfg->pg_conninfo, value, key, err, errlen);
    if (!strcmp(key, "kafka.brokers"))
        return copy_value(cfg->kafka_brokers, sizeof cfg->kafka_brokers, value, key, err, errlen);
    if (!strcmp(key, "kafka.topic"))
        return copy_value(cfg->topic, sizeof cfg->topic, value, key, err, errlen);
    if (!strcmp(key, "kafka.group"))
        return copy_value(cfg->group, sizeof cfg->group, value, key, err, errlen);
    if (!strcmp(key, "kafka.partitions")) return set_partitions(cfg, value, err, errlen);
    if (!strcmp(key, "kafka.dlq_topic"))
        return copy_value(cfg->dlq_topic, sizeof cfg->dlq_topic, value, key, err, errlen);
    if (!strcmp(key, "audit.actor")) return set_actor(cfg, key, value, err, errlen);
    if (!strcmp(key, "rating.max_future_s"))
        return set_seconds(&cfg->max_future_s, key, value, err, errlen);
    if (!strcmp(key, "rating.late_horizon_s"))
        return set_seconds(&cfg->late_horizon_s, key, value, err, errlen);
    if (!strcmp(key, "api.rate_per_s"))
        return set_whole(&cfg->api_rate, key, value, 1000000, "requests per second", err, errlen);
    if (!strcmp(key, "api.cache_mb"))
        return set_whole(&cfg->api_cache_mb, key, value, 1 << 20, "MiB", err, errlen);
    static const struct {
        const char *key, *unit;
        size_t offset;
        long min, max;
    } api_limits[] = {
        {"api.max_connections", "connections", offsetof(struct config, api_max_connections), 1,
         60000},
        {"api.max_connections_per_ip", "connections",
         offsetof(struct config, api_max_connections_per_ip), 1, 60000},
        {"api.request_timeout_s", "seconds", offsetof(struct config, api_request_timeout_s), 1,
         3600},
        {"api.idle_timeout_s", "seconds", offsetof(struct config, api_idle_timeout_s), 1, 3600},
        {"api.auth_failures_per_min", "failures",
         offsetof(struct config, api_auth_failures_per_min), 1, 1000000},
        {"api.session_idle_s", "seconds", offsetof(struct config, api_session_idle_s), 1, 86400},
        {"api.session_max_s", "seconds", offsetof(struct config, api_session_max_s), 1, 604800},
        {"api.sessions_per_key", "sessions", offsetof(struct config, api_sessions_per_key), 1,
         60000},
        {"tokens.max_connections", "connections", offsetof(struct config, tokens_max_connections),
         1, 10000},
        {"tokens.max_body_kb", "KiB", offsetof(struct config, tokens_max_body_kb), 1, 1 << 20},
        {"tokens.request_timeout_s", "seconds", offsetof(struct config, tokens_request_timeout_s),
         1, 3600},
        {"tokens.max_inflight_mb", "MiB", offsetof(struct config, tokens_max_inflight_mb), 1,
         1 << 20},
    };
    for (size_t i = 0; i < sizeof api_limits / sizeof api_limits[0]; i++) {
        if (strcmp(key, api_limits[i].key)) continue;
        long *out = (long *)((char *)cfg + api_limits[i].offset), v = 0;
        if (set_whole(&v, key, value, api_limits[i].max, api_limits[i].unit, err, errlen) ||
            v < api_limits[i].min) {
            snprintf(err, errlen, "%s must be a whole number of %s from %ld to %ld", key,
                     api_limits[i].unit, api_limits[i].min, api_limits[i].max);
            return -1;
        }
        *out = v;
        return 0;
    }
    if (!strcmp(key, "api.trusted_proxies")) return set_trusted_proxies(cfg, value, err, errlen);
    if (!strcmp(key, "signing.required"))
        return set_bool(&cfg->signing_required, key, value, err, errlen);
    if (!strcmp(key, "tokens.bearer")) {
        if (*value && strlen(value) < 16) {
            snprintf(err, errlen, "tokens.bearer must be a secret of at least 16 bytes");
            return -1;
        }
        return copy_value(cfg->tokens_bearer, sizeof cfg->tokens_bearer, value, key, err, errlen);
    }
    if (!strcmp(key, "tokens.bearer_accounts"))
        return copy_value(cfg->tokens_bearer_accounts, sizeof cfg->tokens_bearer_accounts, value,
                          key, err, errlen);
    if (!strcmp(key, "tokens.reporters"))
        return copy_value(cfg->tokens_reporters, sizeof cfg->tokens_reporters, value, key, err,
                          errlen);
    static const struct {
        const char *key;
        size_t offset, cap;
    } seller_keys[] = {
#define SELLER_KEY(k, f) {k, offsetof(struct seller, f), sizeof(((struct seller *)0)->f)}
        SELLER_KEY("invoice.seller", name),
        SELLER_KEY("invoice.seller_tax_id", tax_id),
        SELLER_KEY("invoice.seller_address", address),
        SELLER_KEY("invoice.seller_phone", phone),
        SELLER_KEY("invoice.seller_bank", bank),
        SELLER_KEY("invoice.seller_account", account),
#undef SELLER_KEY
    };
    for (size_t i = 0; i < sizeof seller_keys / sizeof seller_keys[0]; i++) {
        if (strcmp(key, seller_keys[i].key)) continue;
        const char *why = utf8_ident_problem(value, strlen(value)); /* printed on invoices */
        if (why) {
            snprintf(err, errlen, "value of \"%s\" %s", key, why);
            return -1;
        }
        size_t n = strlen(value);
        if (!strcmp(key, "invoice.seller_tax_id") && n &&
            (n < 15 || n > 20 || strspn(value, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)) {
            snprintf(err, errlen, "%s must be 15 to 20 upper-case letters and digits", key);
            return -1;
        }
        return copy_value((char *)&cfg->seller + seller_keys[i].offset, seller_keys[i].cap, value,
                          key, err, errlen);
    }
    if (!strcmp(key, "fapiao.invoice_type")) {
        if (strcmp(value, "special") && strcmp(value, "normal")) {
            snprintf(err, errlen, "%s must be special (增值税专用发票) or normal (普通发票)", key);
            return -1;
        }
        cfg->fapiao.special = !strcmp(value, "special");
        return 0;
    }
    if (!strncmp(key, "fapiao.tax_code", 15) && (!key[15] || key[15] == '.')) {
        char *dst = NULL;
        if (!key[15]) dst = cfg->fapiao.tax_code;
        const struct meter *m = key[15] ? meter_find(key + 16) : NULL;
        if (m) dst = cfg->fapiao.meter_tax_code[meter_index(m)];
        if (!dst) {
            snprintf(err, errlen, "unknown key \"%s\" (the meters are %s)", key,
                     meter_code_list());
            return -1;
        }
        if (strlen(value) != 19 || strspn(value, "0123456789") != 19) {
            snprintf(err, errlen, "%s must be a tax classification code of 19 digits", key);
            return -1;
        }
        return copy_value(dst, 20, value, key, err, errlen);
    }
    if (!strcmp(key, "invoice.grace_days")) {
        long days = 0;
        int rc = set_whole(&days, key, value, 366, "days", err, errlen);
        cfg->grace_s = days * 86400;
        return rc;
    }
    if (!strncmp(key, "rdkafka.", 8) && key[8])
        return put_kv(cfg->rdkafka, &cfg->n_rdkafka, CONFIG_MAX_RDKAFKA, key, 8, value, err,
                      errlen);
    if (!strncmp(key, "hmac.", 5) && key[5]) {
        if (strlen(value) < 16) {
            snprintf(err, errlen, "value of \"%s\" must be a secret of at least 16 bytes", key);
            return -1;
        }
        return put_kv(cfg->hmac, &cfg->n_hmac, CONFIG_MAX_HMAC, key, 5, value, err, errlen);
    }
    snprintf(err, errlen, "unknown key \"%s\"", key);
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int config_read_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048], why[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(why, sizeof why, "expected \"key = value\"");
            rc = -1;
        } else {
            *eq = '\0';
            rc = config_set(cfg, trim(s), trim(eq + 1), why, sizeof why);
        }
        if (rc) snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
    }
    fclose(f);
    return rc;
}

int config_apply_env(struct config *cfg)
{
    static const struct {
        const char *env, *key;
    } map[] = {
        {"GPUMETER_PG", "pg.conninfo"},
        {"GPUMETER_KAFKA_BROKERS", "kafka.brokers"},
        {"GPUMETER_TOPIC", "kafka.topic"},
        {"GPUMETER_DLQ_TOPIC", "kafka.dlq_topic"},
        {"GPUMETER_ACTOR", "audit.actor"},
        {"GPUMETER_GRACE_DAYS", "invoice.grace_days"},
        {"GPUMETER_API_RATE", "api.rate_per_s"},
        {"GPUMETER_API_CACHE_MB", "api.cache_mb"},
        {"GPUMETER_GROUP", "kafka.group"},
        {"GPUMETER_PARTITIONS", "kafka.partitions"},
        {"GPUMETER_PG_RATER_USER", "pg.rater_user"},
        {"GPUMETER_PG_BILLING_USER", "pg.billing_user"},
        {"GPUMETER_PG_API_USER", "pg.api_user"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const char *v = getenv(map[i].env);
        if (v && *v && config_set(cfg, map[i].key, v, err, sizeof err)) {
            log_error("invalid environment variable %s", map[i].env);
            log_detail("%s.", err);
            return -1;
        }
    }
    return 0;
}

int config_load(struct config *cfg)
{
    config_defaults(cfg);
    const char *path = getenv("GPUMETER_CONFIG");
    if (path && *path) {
        char err[1024];
        if (config_read_file(cfg, path, err, sizeof err)) {
            log_error("invalid configuration file");
            log_detail("%s", err);
            log_hint("See docs/configuration.md for the keys gpumeter accepts.");
            return -1;
        }
    }
    if (config_apply_env(cfg)) return -1;
    snprintf(cfg->pg_user, sizeof cfg->pg_user, "%s", cfg->pg_role_user[process_role]);
    return 0;
}

const char *config_fapiao_tax_code(const struct fapiao_config *f, const char *meter)
{
    const struct meter *m = meter_find(meter);
    if (m && f->meter_tax_code[meter_index(m)][0]) return f->meter_tax_code[meter_index(m)];
    return f->tax_code;
}
