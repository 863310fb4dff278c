/* config: where gpumeter finds PostgreSQL and Kafka.
 *
 * Sources, later ones winning: built-in defaults (the local services started
 * by scripts/services.sh), the file named by GPUMETER_CONFIG, then the
 * environment. The file holds `key = value` lines; `#` starts a comment.
 * Keys prefixed `rdkafka.` are passed through to librdkafka unchanged;
 * `hmac.<cluster>` holds the key that signs (and verifies) that cluster's
 * events, and once any is set every event must be signed by its cluster's
 * key (`signing.required`, on by default then).
 * Every key and variable is documented in docs/configuration.md, which
 * tests/unit/test_config.c checks against config_each_key.
 * Thread-safety: loaded once by main() before any thread starts, then only
 * read. */
#ifndef GPUMETER_CONFIG_H
#define GPUMETER_CONFIG_H

#include "meter.h"
#include "netaddr.h"

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_RDKAFKA 64
#define CONFIG_MAX_PROXIES 32
#define CONFIG_MAX_HMAC    64
#define CONFIG_MAX_DUNNING_STEPS 16
/* rater.commit_connections: 1 by measurement (bench/REPORT.md, Rating:
 * with schema 074's lock order its transactions no longer deadlock, and
 * 2 measured 0.64 and 1.83 of 1 in two side-by-side runs on the loaded
 * 2-core machine: not faster in both) */
#define CONFIG_COMMIT_CONNECTIONS_DEFAULT 1
#define CONFIG_COMMIT_CONNECTIONS_MAX     16

struct config_kv {
    char key[128];
    char value[512];
};

/* The PostgreSQL role a command works as (roles.sql): each command connects
 * as its own, least-privileged user by default. */
enum db_role {
    DB_ROLE_ADMIN,   /* migrate: the user pg.conninfo names */
    DB_ROLE_RATER,   /* rate, conservation */
    DB_ROLE_BILLING, /* invoices, documents, customers, reports, keys */
    DB_ROLE_API,     /* serve: reads only */
};
#define DB_ROLES 4

/* The operator as an invoice names it (invoice.seller*, docs/configuration.md). */
struct seller {
    char name[257];
    char tax_id[33]; /* 统一社会信用代码, 18 characters in China */
    char address[257], phone[65];
    char bank[257], account[65];
};

/* What the fapiao hand-off needs (fapiao.*, docs/invoices.md): the kind of
 * fapiao and the tax classification codes (税收分类编码, 19 digits), one for
 * every line and one per usage meter that overrides it; "" when not set. */
struct fapiao_config {
    bool special;                           /* 增值税专用发票 (default), else 普通发票 */
    char tax_code[20];                      /* fapiao.tax_code */
    /* fapiao.tax_code.<code>, in registry order (core/meter.h) */
    char meter_tax_code[METER_COUNT][20];
};
/* The code of a line of meter ("" for an adjustment): the meter's own,
 * else fapiao.tax_code; "" when neither is configured. */
const char *config_fapiao_tax_code(const struct fapiao_config *f, const char *meter);

struct config {
    char pg_conninfo[1024];
    /* the user each role connects as (pg.<role>_user); "" keeps
     * pg.conninfo's. pg_user is the one of this process's role. */
    char pg_role_user[DB_ROLES][64];
    char pg_user[64];
    char kafka_brokers[512];
    char topic[256];
    char dlq_topic[256]; /* "" means topic + ".dlq" (config_dlq_topic) */
    char group[256];
    long partitions;
    long max_future_s;    /* events ending later than now + this are dead letters */
    long late_horizon_s;  /* events ending earlier than now - this count as late */
    long commit_connections; /* rater.commit_connections: connections a batch's commit is
                                split over, by partition (rating/batch.h) */
    char actor[257]; /* who changes plans and contracts, for the audit log: CLI_ACTOR_MAX
                        characters of UTF-8 */
    long grace_s;         /* drafts stay open this long after their month ends */
    struct seller seller; /* the operator, as printed on invoices */
    struct fapiao_config fapiao;
    long api_rate;     /* requests per second per API key (gpumeter serve) */
    long api_cache_mb; /* memory for cached usage responses; 0 disables */
    long api_statement_cache_mb; /* memory for statements' inputs (api/statement_inputs.h); 0 disables */
    /* gpumeter serve's limits (docs/api.md, "Limits") */
    long api_max_connections;        /* open connections in all */
    long api_max_connections_per_ip; /* open connections from one client address */
    long api_request_timeout_s;      /* to read a whole request, not reset by each byte */
    long api_idle_timeout_s;         /* a kept-alive connection with no request */
    long api_auth_failures_per_min;  /* failed authentications per key id and per client */
    long api_session_idle_s;         /* a console session unused this long ends */
    long api_session_max_s;          /* a console session ends this long after sign-in */
    long api_sessions_per_key;       /* console sessions one key holds; its oldest ends */
    /* proxies whose X-Forwarded-For names the client (api.trusted_proxies) */
    struct netaddr_prefix api_trusted_proxies[CONFIG_MAX_PROXIES];
    int n_trusted_proxies;
    int signing_required; /* 1, 0, or -1: on when any hmac key is set (config_signing_required) */
    char tokens_bearer[257];     /* the one shared secret of earlier builds; "" for none */
    char tokens_bearer_accounts[1024]; /* accounts (a trailing * a prefix) tokens.bearer may
                                        * report for, comma-separated; required with it */
    char tokens_reporters[4096];  /* file of per-reporter credentials (ingest/reporters.h) */
    long tokens_max_connections;  /* concurrent token uploads */
    long tokens_max_body_kb;      /* largest token upload */
    long tokens_request_timeout_s; /* to read a whole request, not reset by each byte */
    long tokens_max_inflight_mb;  /* bodies buffered at once, over every connection */
    struct config_kv rdkafka[CONFIG_MAX_RDKAFKA];
    int n_rdkafka;
    struct config_kv hmac[CONFIG_MAX_HMAC]; /* cluster -> event signing key */
    int n_hmac;
    /* a customer is in default when an invoice of it is open more than
     * this many days past due (receivables.default_after_days) */
    long default_after_days;
    /* gpumeter notify: the webhook endpoint (docs/notifications.md) */
    char notify_url[1024];         /* "" means none: notify refuses to start */
    char notify_secret_file[1024]; /* file holding the signing secret */
    long notify_timeout_s;         /* a whole request, connection included */
    long notify_max_attempts;      /* an event is dead after this many */
    long notify_backoff_s;         /* the wait after the first failed attempt */
    long notify_backoff_max_s;     /* the wait doubles up to this */
    long notify_poll_s;            /* how often a running deliverer looks */
    /* receivables.dunning_steps (issue 34, terms): the days past due at
     * which `dunning run` reminds, strictly increasing, each >= 1 */
    int dunning_steps[CONFIG_MAX_DUNNING_STEPS];
    int n_dunning_steps;
    /* maintenance.notice_hours (issue 36): how long before it starts a
     * maintenance window must be announced to exclude downtime */
    long maintenance_notice_hours;
    /* index.min_contracts (issue 37): contracts a month and model of the
     * realised compute price index needs before its value is published */
    long index_min_contracts;
    /* index.public (issue 37): whether every API key, a customer's too,
     * may read GET /v1/index; off (0), finance keys only */
    int index_public;
};

/* Fills defaults, then the file, then the environment. Returns 0, or -1 after
 * printing what is wrong (file, line, key). */
int config_load(struct config *cfg);

/* The role this process's commands work as; set once by main() before any
 * thread starts (the default is DB_ROLE_BILLING). */
void config_use_role(enum db_role role);

void config_defaults(struct config *cfg);
/* Sets one key; on failure writes the reason to err and returns -1. The
 * keys are one table in config.c (name, variable, kind, field, bounds,
 * unit); a key's kind says how its value is parsed and checked. */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Calls fn once for every key of that table, as docs/configuration.md names
 * it (a list as "hmac.<cluster>", a per-meter key once per meter), with its
 * environment variable or NULL (file only). Pure; thread-safe. */
void config_each_key(void (*fn)(const char *key, const char *env, void *ctx), void *ctx);
/* Parses a config file; on failure writes "path:line: reason" to err. */
int config_read_file(struct config *cfg, const char *path, char *err, size_t errlen);
/* The dead-letter topic: kafka.dlq_topic, else the usage topic + ".dlq". */
const char *config_dlq_topic(const struct config *cfg, char *buf, size_t cap);
/* The signing key of a cluster, NULL when it has none. */
const char *config_hmac_key(const struct config *cfg, const char *cluster);
/* Whether every event must carry a valid signature of its cluster's key. */
bool config_signing_required(const struct config *cfg);
/* Applies GPUMETER_* variables; -1 after printing a bad one. */
int config_apply_env(struct config *cfg);

#endif
