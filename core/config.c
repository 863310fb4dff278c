/* config: defaults, file, environment (see config.h). */
#include "config.h"

#include "cli.h"
#include "invariant.h"
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

/* Written once by main() before any thread, then only read. */
static enum db_role process_role = DB_ROLE_BILLING;

void config_use_role(enum db_role role)
{
    process_role = role;
}

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
    cfg->commit_connections = CONFIG_COMMIT_CONNECTIONS_DEFAULT;
    cfg->grace_s = 3 * 86400;
    snprintf(cfg->seller.name, sizeof cfg->seller.name, "GPU compute operator");
    cfg->fapiao.special = true;
    cfg->api_rate = 1000;
    cfg->api_cache_mb = 64;
    cfg->api_statement_cache_mb = 64;
    cfg->api_max_connections = 4096;
    cfg->api_max_connections_per_ip = 64;
    cfg->api_request_timeout_s = 10;
    cfg->api_idle_timeout_s = 30;
    cfg->api_auth_failures_per_min = 30;
    cfg->api_session_idle_s = 1800;
    cfg->api_session_max_s = 43200;
    cfg->api_sessions_per_key = 16;
    cfg->default_after_days = 60;
    cfg->maintenance_notice_hours = 72;
    cfg->index_min_contracts = 3;
    cfg->signing_required = -1;
    cfg->tokens_max_connections = 256;
    cfg->tokens_max_body_kb = 4096;
    cfg->tokens_request_timeout_s = 60;
    cfg->tokens_max_inflight_mb = 32;
    cfg->notify_timeout_s = 10;
    cfg->notify_max_attempts = 10;
    cfg->notify_backoff_s = 30;
    cfg->notify_backoff_max_s = 3600;
    cfg->notify_poll_s = 5;
    static const int dunning_steps[] = {1, 15, 30, 60}; /* receivables.dunning_steps */
    memcpy(cfg->dunning_steps, dunning_steps, sizeof dunning_steps);
    cfg->n_dunning_steps = (int)(sizeof dunning_steps / sizeof dunning_steps[0]);
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

/* A whole number from min to max, as strtol reads it; -1 if it is not one. */
static int parse_whole(const char *value, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (errno || end == value || *end || n < min || n > max) return -1;
    *out = n;
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

/* receivables.dunning_steps: days past due, separated by commas or
 * spaces, strictly increasing, from 1 to 3650, at least one and at most
 * CONFIG_MAX_DUNNING_STEPS. The whole list replaces the previous one. */
static int set_dunning_steps(struct config *cfg, const char *key, const char *value, char *err,
                             size_t errlen)
{
    int n = 0, steps[CONFIG_MAX_DUNNING_STEPS];
    long last = 0;
    for (const char *p = value; *p;) {
        p += strspn(p, ", \t");
        size_t len = strcspn(p, ", \t");
        if (!len) break;
        char item[16];
        long day;
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
        if (n == CONFIG_MAX_DUNNING_STEPS || len >= sizeof item ||
            parse_whole(item, 1, 3650, &day) || day <= last) {
            snprintf(err, errlen,
                     "%s: \"%.*s\" is not a step: steps are days past due from 1 to 3650, "
                     "strictly increasing, at most %d (1,15,30,60)",
                     key, (int)(len > 32 ? 32 : len), p, CONFIG_MAX_DUNNING_STEPS);
            return -1;
        }
        steps[n++] = (int)day;
        last = day;
        p += len;
    }
    if (!n) {
        snprintf(err, errlen, "%s needs at least one step (days past due, as 1,15,30,60)", key);
        return -1;
    }
    memcpy(cfg->dunning_steps, steps, (size_t)n * sizeof steps[0]); /* whole, or not at all */
    cfg->n_dunning_steps = n;
    return 0;
}

const char *config_hmac_key(const struct config *cfg, const char *cluster)
{
    for (int i = 0; i < cfg->n_hmac; i++)
        if (!strcmp(cfg->hmac[i].key, cluster)) return cfg->hmac[i].value;
    return NULL;
}

/* What a key's value is, and so how config_set parses and checks it. */
enum key_kind {
    KEY_TEXT,        /* copied as it is, up to the field's size */
    KEY_ROLE_USER,   /* a PostgreSQL user name: a-z, 0-9 and _ */
    KEY_WHOLE,       /* a whole number from min to max of unit, times scale */
    KEY_BOOL,        /* true/on/1 or false/off/0, into an int */
    KEY_ACTOR,       /* the --actor rule (cli_text_ok): it is written to audit_log */
    KEY_PRINTED,     /* printed on invoices: no control or bidirectional characters */
    KEY_TAX_ID,      /* KEY_PRINTED, and "" or 15 to 20 upper-case letters and digits */
    KEY_SECRET,      /* "" (none) or a secret of at least min bytes */
    KEY_PROXIES,     /* api.trusted_proxies: addresses or prefixes */
    KEY_FAPIAO_TYPE, /* special (增值税专用发票) or normal (普通发票) */
    KEY_TAX_CODE,    /* a tax classification code of 19 digits */
    KEY_PER_METER,   /* name + "<meter>": KEY_TAX_CODE, one per meter of the registry
                      * (core/meter.h) */
    KEY_KV,          /* name + "<anything>": a pair in a list of up to max */
    KEY_KV_SECRET,   /* KEY_KV whose value is a secret of at least min bytes */
    KEY_DAY_STEPS,   /* receivables.dunning_steps: increasing days past due */
};

/* One key: its name as docs/configuration.md writes it (a prefix kind's
 * name ends in '.'), its variable (NULL: file only), and where and how its
 * value goes. offset/size: the field in struct config and its bytes (for a
 * KEY_PER_METER the size of one meter's); count: a KEY_KV list's count. */
struct key {
    const char *name, *env;
    enum key_kind kind;
    size_t offset, size, count;
    long min, max, scale;
    const char *unit; /* KEY_WHOLE: "seconds", "MiB" ...; NULL: a bare number.
                       * KEY_KV*: what follows the prefix, "<cluster>" */
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define OF_KIND(k, env, kind, f) {k, env, kind, FIELD(f), 0, 0, 0, 0, NULL}
#define TEXT(k, env, f)          OF_KIND(k, env, KEY_TEXT, f)
#define ROLE(k, env, role)       OF_KIND(k, env, KEY_ROLE_USER, pg_role_user[role])
#define WHOLE(k, env, f, lo, hi, u) {k, env, KEY_WHOLE, FIELD(f), 0, lo, hi, 1, u}
#define LIST(k, kind, f, n, min, what)                                                             \
    {k, NULL, kind, FIELD(f), offsetof(struct config, n), min,                                     \
     sizeof(((struct config *)0)->f) / sizeof(struct config_kv), 0, what}
#define SECONDS_MAX (366L * 86400)

static const struct key keys[] = {
    TEXT("pg.conninfo", "GPUMETER_PG", pg_conninfo),
    ROLE("pg.rater_user", "GPUMETER_PG_RATER_USER", DB_ROLE_RATER),
    ROLE("pg.billing_user", "GPUMETER_PG_BILLING_USER", DB_ROLE_BILLING),
    ROLE("pg.api_user", "GPUMETER_PG_API_USER", DB_ROLE_API),
    TEXT("kafka.brokers", "GPUMETER_KAFKA_BROKERS", kafka_brokers),
    TEXT("kafka.topic", "GPUMETER_TOPIC", topic),
    TEXT("kafka.dlq_topic", "GPUMETER_DLQ_TOPIC", dlq_topic),
    TEXT("kafka.group", "GPUMETER_GROUP", group),
    WHOLE("kafka.partitions", "GPUMETER_PARTITIONS", partitions, 1, 10000, NULL),
    OF_KIND("audit.actor", "GPUMETER_ACTOR", KEY_ACTOR, actor),
    {"invoice.grace_days", "GPUMETER_GRACE_DAYS", KEY_WHOLE, FIELD(grace_s), 0, 0, 366, 86400,
     "days"}, /* into seconds */
    WHOLE("rating.max_future_s", NULL, max_future_s, 0, SECONDS_MAX, "seconds"),
    WHOLE("rating.late_horizon_s", NULL, late_horizon_s, 0, SECONDS_MAX, "seconds"),
    WHOLE("rater.commit_connections", "GPUMETER_COMMIT_CONNECTIONS", commit_connections, 1,
          CONFIG_COMMIT_CONNECTIONS_MAX, "connections"),
    WHOLE("api.rate_per_s", "GPUMETER_API_RATE", api_rate, 0, 1000000, "requests per second"),
    WHOLE("api.cache_mb", "GPUMETER_API_CACHE_MB", api_cache_mb, 0, 1 << 20, "MiB"),
    WHOLE("api.statement_cache_mb", "GPUMETER_API_STATEMENT_CACHE_MB", api_statement_cache_mb, 0,
          1 << 20, "MiB"),
    WHOLE("api.max_connections", NULL, api_max_connections, 1, 60000, "connections"),
    WHOLE("api.max_connections_per_ip", NULL, api_max_connections_per_ip, 1, 60000,
          "connections"),
    WHOLE("api.request_timeout_s", NULL, api_request_timeout_s, 1, 3600, "seconds"),
    WHOLE("api.idle_timeout_s", NULL, api_idle_timeout_s, 1, 3600, "seconds"),
    WHOLE("api.auth_failures_per_min", NULL, api_auth_failures_per_min, 1, 1000000, "failures"),
    WHOLE("api.session_idle_s", NULL, api_session_idle_s, 1, 86400, "seconds"),
    WHOLE("api.session_max_s", NULL, api_session_max_s, 1, 604800, "seconds"),
    WHOLE("api.sessions_per_key", NULL, api_sessions_per_key, 1, 60000, "sessions"),
    OF_KIND("api.trusted_proxies", NULL, KEY_PROXIES, api_trusted_proxies),
    OF_KIND("signing.required", NULL, KEY_BOOL, signing_required),
    {"tokens.bearer", NULL, KEY_SECRET, FIELD(tokens_bearer), 0, 16, 0, 0, NULL}, /* 16 bytes */
    TEXT("tokens.bearer_accounts", NULL, tokens_bearer_accounts),
    TEXT("tokens.reporters", NULL, tokens_reporters),
    WHOLE("tokens.max_connections", NULL, tokens_max_connections, 1, 10000, "connections"),
    WHOLE("tokens.max_body_kb", NULL, tokens_max_body_kb, 1, 1 << 20, "KiB"),
    WHOLE("tokens.request_timeout_s", NULL, tokens_request_timeout_s, 1, 3600, "seconds"),
    WHOLE("tokens.max_inflight_mb", NULL, tokens_max_inflight_mb, 1, 1 << 20, "MiB"),
    OF_KIND("invoice.seller", NULL, KEY_PRINTED, seller.name),
    OF_KIND("invoice.seller_tax_id", NULL, KEY_TAX_ID, seller.tax_id),
    OF_KIND("invoice.seller_address", NULL, KEY_PRINTED, seller.address),
    OF_KIND("invoice.seller_phone", NULL, KEY_PRINTED, seller.phone),
    OF_KIND("invoice.seller_bank", NULL, KEY_PRINTED, seller.bank),
    OF_KIND("invoice.seller_account", NULL, KEY_PRINTED, seller.account),
    OF_KIND("fapiao.invoice_type", NULL, KEY_FAPIAO_TYPE, fapiao.special),
    OF_KIND("fapiao.tax_code", NULL, KEY_TAX_CODE, fapiao.tax_code),
    OF_KIND("fapiao.tax_code.", NULL, KEY_PER_METER, fapiao.meter_tax_code[0]),
    LIST("rdkafka.", KEY_KV, rdkafka, n_rdkafka, 0, "<property>"),
    LIST("hmac.", KEY_KV_SECRET, hmac, n_hmac, 16, "<cluster>"),
    WHOLE("receivables.default_after_days", "GPUMETER_DEFAULT_AFTER_DAYS", default_after_days, 1,
          3650, "days"),
    WHOLE("maintenance.notice_hours", NULL, maintenance_notice_hours, 0, 8760, "hours"),
    WHOLE("index.min_contracts", "GPUMETER_INDEX_MIN_CONTRACTS", index_min_contracts, 1, 1000,
          "contracts"),
    OF_KIND("index.public", "GPUMETER_INDEX_PUBLIC", KEY_BOOL, index_public),
    /* gpumeter notify (docs/notifications.md) */
    TEXT("notify.url", "GPUMETER_NOTIFY_URL", notify_url),
    TEXT("notify.secret_file", "GPUMETER_NOTIFY_SECRET_FILE", notify_secret_file),
    WHOLE("notify.timeout_s", NULL, notify_timeout_s, 1, 300, "seconds"),
    WHOLE("notify.max_attempts", NULL, notify_max_attempts, 1, 100, "attempts"),
    WHOLE("notify.backoff_s", NULL, notify_backoff_s, 1, 86400, "seconds"),
    WHOLE("notify.backoff_max_s", NULL, notify_backoff_max_s, 1, 604800, "seconds"),
    WHOLE("notify.poll_s", NULL, notify_poll_s, 1, 3600, "seconds"),
    OF_KIND("receivables.dunning_steps", "GPUMETER_DUNNING_STEPS", KEY_DAY_STEPS,
            dunning_steps), /* issue 34, terms */
};

/* The key of the table a name is, NULL if none; a prefix kind matches any
 * name that starts with its prefix and goes on. A per-meter prefix matches
 * its bare prefix too ("fapiao.tax_code."), so that per_meter_slot refuses
 * it naming the meters rather than as an unknown key with no hint. */
static const struct key *key_find(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = strlen(keys[i].name);
        bool prefix = keys[i].name[n - 1] == '.';
        if (prefix ? !strncmp(name, keys[i].name, n) && (name[n] || keys[i].kind == KEY_PER_METER)
                   : !strcmp(name, keys[i].name))
            return &keys[i];
    }
    return NULL;
}

/* A KEY_PER_METER key's destination, the slot of the meter its name ends
 * in; NULL, with err naming the meters, for no meter. */
static char *per_meter_slot(struct config *cfg, const struct key *k, const char *key, char *err,
                            size_t errlen)
{
    const struct meter *m = meter_find(key + strlen(k->name));
    if (m) return (char *)cfg + k->offset + (size_t)meter_index(m) * k->size;
    snprintf(err, errlen, "unknown key \"%s\" (the meters are %s)", key, meter_code_list());
    return NULL;
}

/* Checks a value that is kept as text (every kind but the parsed ones);
 * -1 with the reason, the key named, in err. */
static int check_text(const struct key *k, const char *key, const char *value, char *err,
                      size_t errlen)
{
    size_t n = strlen(value);
    const char *why = NULL;
    switch (k->kind) {
    case KEY_ROLE_USER:
        if (strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_") == n) return 0;
        snprintf(err, errlen, "\"%s\" is a PostgreSQL user name: a-z, 0-9 and _", key);
        return -1;
    case KEY_ACTOR: /* the --actor rule (cli_text_ok): it is written to audit_log */
        why = utf8_text_problem(value, n);
        if (!why && utf8_chars(value, n) > CLI_ACTOR_MAX) why = "is too long";
        if (!why) return 0;
        snprintf(err, errlen, "%s %s (it takes 1 to %d printable characters)", key, why,
                 CLI_ACTOR_MAX);
        return -1;
    case KEY_PRINTED:
    case KEY_TAX_ID:
        if ((why = utf8_ident_problem(value, n))) { /* printed on invoices */
            snprintf(err, errlen, "value of \"%s\" %s", key, why);
            return -1;
        }
        if (k->kind == KEY_PRINTED || !n ||
            (n >= 15 && n <= 20 && strspn(value, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n))
            return 0;
        snprintf(err, errlen, "%s must be 15 to 20 upper-case letters and digits", key);
        return -1;
    case KEY_SECRET:    /* "" is none */
    case KEY_KV_SECRET: /* a list's entry is a secret or not there */
        if ((!*value && k->kind == KEY_SECRET) || n >= (size_t)k->min) return 0;
        snprintf(err, errlen, "%s must be a secret of at least %ld bytes", key, k->min);
        return -1;
    case KEY_TAX_CODE:
    case KEY_PER_METER:
        if (n == 19 && strspn(value, "0123456789") == 19) return 0;
        snprintf(err, errlen, "%s must be a tax classification code of 19 digits", key);
        return -1;
    default:
        return 0;
    }
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    const struct key *k = key_find(key);
    if (!k) {
        snprintf(err, errlen, "unknown key \"%s\"", key);
        return -1;
    }
    char *field = (char *)cfg + k->offset;
    long whole;
    switch (k->kind) { /* the kinds parsed into something else than text */
    case KEY_WHOLE:
        if (parse_whole(value, k->min, k->max, &whole)) {
            snprintf(err, errlen, "%s must be a whole number%s%s from %ld to %ld", key,
                     k->unit ? " of " : "", k->unit ? k->unit : "", k->min, k->max);
            return -1;
        }
        assert(k->size == sizeof(long));
        *(long *)field = whole * k->scale;
        return 0;
    case KEY_BOOL:
        assert(k->size == sizeof(int));
        return set_bool((int *)field, key, value, err, errlen);
    case KEY_PROXIES:
        return set_trusted_proxies(cfg, value, err, errlen);
    case KEY_DAY_STEPS:
        return set_dunning_steps(cfg, key, value, err, errlen);
    case KEY_FAPIAO_TYPE:
        if (strcmp(value, "special") && strcmp(value, "normal")) {
            snprintf(err, errlen, "%s must be special (增值税专用发票) or normal (普通发票)",
                     key);
            return -1;
        }
        assert(k->size == sizeof(bool));
        *(bool *)field = !strcmp(value, "special");
        return 0;
    default:
        break;
    }
    if (k->kind == KEY_PER_METER && !(field = per_meter_slot(cfg, k, key, err, errlen)))
        return -1;
    if (check_text(k, key, value, err, errlen)) return -1;
    if (k->kind == KEY_KV || k->kind == KEY_KV_SECRET)
        return put_kv((struct config_kv *)field, (int *)((char *)cfg + k->count), (int)k->max,
                      key, strlen(k->name), value, err, errlen);
    return copy_value(field, k->size, value, key, err, errlen);
}

void config_each_key(void (*fn)(const char *key, const char *env, void *ctx), void *ctx)
{
    char name[128];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key *k = &keys[i];
        if (k->kind == KEY_PER_METER) {
            for (int m = 0; m < METER_COUNT; m++) {
                snprintf(name, sizeof name, "%s%s", k->name, meter_rows[m].code);
                fn(name, k->env, ctx);
            }
        } else if (k->kind == KEY_KV || k->kind == KEY_KV_SECRET) {
            snprintf(name, sizeof name, "%s%s", k->name, k->unit);
            fn(name, k->env, ctx);
        } else {
            fn(k->name, k->env, ctx);
        }
    }
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
    char err[256];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = keys[i].env ? getenv(keys[i].env) : NULL;
        if (v && *v && config_set(cfg, keys[i].name, v, err, sizeof err)) {
            log_error("invalid environment variable %s", keys[i].env);
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
