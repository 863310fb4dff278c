/* notify: delivers the outbox (schema 031) as signed webhooks, and lets
 * finance see and revive what could not be delivered
 * (docs/notifications.md).
 *
 * `gpumeter notify [--once] [--batch N]` adds a delivery row (schema 035)
 * for each event the endpoint has none for, then claims due rows one at a
 * time, oldest event first: one statement locks the row (FOR UPDATE SKIP
 * LOCKED, so two deliverers never take the same one), counts the attempt
 * and moves next_attempt_at past the request's timeout (a lease), and
 * commits. The request then runs with no lock held; its outcome settles
 * the row (delivered; or the next attempt after the backoff; or dead after
 * notify.max_attempts). A deliverer killed at any point leaves its row to
 * be claimed again when the lease runs out: at least once, and the
 * receiver deduplicates by event id. SIGTERM or SIGINT lets the current
 * request finish and be settled, then exits 0.
 *
 * `notify list` shows events with their delivery state; `notify retry
 * EVENT_ID` puts a dead event back to pending with fresh attempts, audited
 * (audit_log object 'notification', action 'update'). */
#include "billing/lifecycle.h"
#include "billing/webhook.h"
#include "commands.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The one endpoint's name in notify_delivery (notify.url). */
#define NOTIFY_ENDPOINT "default"
/* A claim's lease beyond the request's timeout: time to settle the row. */
#define NOTIFY_LEASE_GRACE_S 5

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

/* The signing secret from notify.secret_file: one trailing newline
 * dropped, at least 16 bytes. False after logging why (never the secret). */
static bool read_secret(const struct config *cfg, struct strbuf *secret)
{
    char err[1200];
    if (!cfg->notify_secret_file[0]) {
        log_error("notify.secret_file is not set");
        log_hint("Write the signing secret to a file only gpumeter may read and name it in "
                 "notify.secret_file (docs/notifications.md).");
        return false;
    }
    if (!file_read_private(cfg->notify_secret_file, secret, err, sizeof err)) {
        log_error("cannot use notify.secret_file");
        log_detail("%s.", err);
        return false;
    }
    if (secret->len && secret->buf[secret->len - 1] == '\n') secret->buf[--secret->len] = '\0';
    if (secret->len && secret->buf[secret->len - 1] == '\r') secret->buf[--secret->len] = '\0';
    if (secret->len < 16 || memchr(secret->buf, '\0', secret->len)) {
        log_error("the secret in notify.secret_file is too short or holds a NUL byte");
        log_detail("A signing secret is 16 bytes or more of text.");
        return false;
    }
    return true;
}

/* Whether url is an http:// or https:// URL with a host: anything else
 * (file://, a typo of the scheme, no scheme) would only fail each event
 * until every one is dead, so notify refuses it at start. */
static bool url_ok(const char *url)
{
    size_t n = !strncasecmp(url, "http://", 7) ? 7 : !strncasecmp(url, "https://", 8) ? 8 : 0;
    return n && url[n] && url[n] != '/';
}

/* Every event the endpoint has no delivery row for gets one, due at once. */
static const char enqueue_sql[] =
    "INSERT INTO notify_delivery (outbox_id, endpoint) "
    "SELECT o.id, $1 FROM outbox o WHERE NOT EXISTS "
    "  (SELECT 1 FROM notify_delivery d WHERE d.outbox_id = o.id AND d.endpoint = $1) "
    "ON CONFLICT DO NOTHING";

/* Claims the oldest due row: its attempt counted and leased for $2
 * seconds, committed by this one statement. The body is built here, once,
 * as the receiver gets it: the payload is the outbox's jsonb as text. */
static const char claim_sql[] =
    "WITH c AS (SELECT d.outbox_id FROM notify_delivery d "
    "           WHERE d.endpoint = $1 AND d.delivered_at IS NULL AND d.dead_at IS NULL "
    "             AND d.next_attempt_at <= now() "
    "           ORDER BY d.outbox_id LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "UPDATE notify_delivery d SET attempts = d.attempts + 1, last_attempt_at = now(), "
    "       next_attempt_at = now() + make_interval(secs => $2::int) "
    "FROM c, outbox o WHERE d.outbox_id = c.outbox_id AND d.endpoint = $1 AND o.id = c.outbox_id "
    "RETURNING d.outbox_id, d.attempts, o.event_id, "
    "  '{\"id\":' || to_json(o.event_id::text)::text || ',\"type\":' || to_json(o.kind)::text "
    "  || ',\"created\":' || to_json(to_char(o.created_at AT TIME ZONE 'UTC', "
    "                                        'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))::text "
    "  || ',\"customer\":' || coalesce(to_json((SELECT code FROM customer "
    "                                           WHERE id = o.customer_id))::text, 'null') "
    "  || ',\"data\":' || o.payload::text || '}', o.kind";

/* A 2xx: delivered (even if the lease ran out meanwhile: it was). */
static const char delivered_sql[] =
    "UPDATE notify_delivery SET delivered_at = now(), dead_at = NULL, last_status = $3::int, "
    "       last_error = NULL "
    "WHERE outbox_id = $1::bigint AND endpoint = $2 AND delivered_at IS NULL";

/* A failure: the next attempt after $6 seconds, or dead when attempt $5
 * was the last ($4 = max). Only the claim that made attempt $5 settles it. */
static const char failed_sql[] =
    "UPDATE notify_delivery SET last_status = nullif($3::int, 0), last_error = $7, "
    "  next_attempt_at = CASE WHEN attempts >= $4::int THEN next_attempt_at "
    "                         ELSE now() + make_interval(secs => $6::int) END, "
    "  dead_at = CASE WHEN attempts >= $4::int THEN now() END "
    "WHERE outbox_id = $1::bigint AND endpoint = $2 AND attempts = $5::int "
    "  AND delivered_at IS NULL AND dead_at IS NULL";

/* Delivers one due event. 1 when one was attempted, 0 when none is due,
 * -1 when the database failed. */
static int deliver_one(PGconn *conn, const struct config *cfg, const struct strbuf *secret)
{
    char lease[24];
    snprintf(lease, sizeof lease, "%ld", cfg->notify_timeout_s + NOTIFY_LEASE_GRACE_S);
    const char *cp[] = {NOTIFY_ENDPOINT, lease};
    PGresult *res = db_query(conn, "claim a notification", claim_sql, 2, cp);
    if (!res) return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    const char *outbox_id = PQgetvalue(res, 0, 0), *attempt = PQgetvalue(res, 0, 1),
               *event_id = PQgetvalue(res, 0, 2), *body = PQgetvalue(res, 0, 3),
               *kind = PQgetvalue(res, 0, 4);
    struct webhook_outcome out;
    bool ok = webhook_post(cfg->notify_url, secret->buf, secret->len, event_id, body,
                           (size_t)PQgetlength(res, 0, 3), cfg->notify_timeout_s, &out);
    char status[24], max[24], wait[24];
    snprintf(status, sizeof status, "%ld", out.status);
    snprintf(max, sizeof max, "%ld", cfg->notify_max_attempts);
    snprintf(wait, sizeof wait, "%ld",
             webhook_backoff_s(cfg->notify_backoff_s, cfg->notify_backoff_max_s, atol(attempt)));
    bool settled;
    if (ok) {
        const char *p[] = {outbox_id, NOTIFY_ENDPOINT, status};
        settled = db_exec(conn, "record a delivered notification", delivered_sql, 3, p);
        log_info("notify: %s %s delivered on attempt %s (HTTP %ld)", kind, event_id, attempt,
                 out.status);
    } else {
        const char *p[] = {outbox_id, NOTIFY_ENDPOINT, status, max, attempt, wait, out.error};
        settled = db_exec(conn, "record a failed notification", failed_sql, 7, p);
        if (atol(attempt) >= cfg->notify_max_attempts)
            log_warn("notify: %s %s is dead after %s attempts: %s", kind, event_id, attempt,
                     out.error);
        else
            log_info("notify: %s %s attempt %s failed (%s); next in %s s", kind, event_id,
                     attempt, out.error, wait);
    }
    PQclear(res);
    return settled ? 1 : -1;
}

/* Sleeps up to seconds, returning early when asked to stop. */
static void wait_poll(long seconds)
{
    for (long i = 0; i < seconds * 10 && !stopping; i++) {
        struct timespec tenth = {0, 100000000L};
        nanosleep(&tenth, NULL);
    }
}

/* Delivers until stopped (or, once, one round: what is due, at most
 * batch events): the exit code. */
static int deliver(PGconn *conn, const struct config *cfg, const struct strbuf *secret, bool once,
                   long long batch)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_stop; /* no SA_RESTART: a wait ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    const char *ep[] = {NOTIFY_ENDPOINT};
    while (!stopping) {
        if (!db_exec(conn, "queue the outbox's new events", enqueue_sql, 1, ep)) return 1;
        long long sent = 0;
        int got = 1;
        while (!stopping && sent < batch && (got = deliver_one(conn, cfg, secret)) > 0)
            sent++;
        if (got < 0) return 1;
        /* once: one round, at most batch events (a cron run is bounded) */
        if (once) break;
        if (got == 0) wait_poll(cfg->notify_poll_s);
    }
    return 0;
}

static int notify_deliver(int argc, char **argv)
{
    bool once = false;
    long long batch = 100;
    const struct cli_opt opts[] = {
        {"once", CLI_BOOL, &once, NULL,
         "deliver what is due, at most --batch events, then exit (for cron)", 0, 0},
        {"batch", CLI_INT, &batch, "N", "deliver at most N events a round (default 100)", 1,
         100000},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter notify [--once] [--batch N] | notify list|retry ...",
        "Deliver the outbox's events to notify.url as signed webhooks, oldest first, retrying "
        "with backoff (docs/notifications.md).",
        opts, 0, 0};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    struct strbuf secret = STRBUF_INIT;
    if (!cfg.notify_url[0]) {
        log_error("notify.url is not set");
        log_hint("Set notify.url (or GPUMETER_NOTIFY_URL) to the webhook endpoint.");
        rc = CLI_EXIT_USAGE;
    } else if (!url_ok(cfg.notify_url)) {
        log_error("notify.url \"%s\" is not an http:// or https:// URL", cfg.notify_url);
        log_hint("Webhooks are sent to an http:// or https:// endpoint (docs/notifications.md).");
        rc = CLI_EXIT_USAGE;
    } else if (!read_secret(&cfg, &secret)) {
        rc = CLI_EXIT_USAGE;
    } else {
        rc = deliver(conn, &cfg, &secret, once, batch);
    }
    PQfinish(conn);
    /* the secret's bytes do not outlive their use */
    if (secret.buf) memset(secret.buf, 0, secret.len);
    sb_free(&secret);
    return rc;
}

static int notify_list(int argc, char **argv)
{
    bool pending = false, dead = false, delivered = false;
    const char *customer = NULL;
    const struct cli_opt opts[] = {
        {"pending", CLI_BOOL, &pending, NULL, "only events not yet delivered nor dead", 0, 0},
        {"dead", CLI_BOOL, &dead, NULL, "only dead events (notify retry revives one)", 0, 0},
        {"delivered", CLI_BOOL, &delivered, NULL, "only delivered events", 0, 0},
        {"customer", CLI_STR, &customer, "CODE", "only this customer's events", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter notify list [--pending|--dead|--delivered] [--customer CODE]",
        "List notifications, oldest first: event id, kind, subject, customer, status, "
        "attempts, last answer, created.",
        opts, 0, 0};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    if (pending + dead + delivered > 1) {
        PQfinish(conn);
        return cli_usage_error(&spec, "--pending, --dead and --delivered exclude each other");
    }
    const char *p[] = {pending ? "pending" : dead ? "dead" : delivered ? "delivered" : "",
                       customer ? customer : ""};
    PGresult *res = db_query(
        conn, "list notifications",
        "SELECT event_id, kind, subject, coalesce(customer, '-'), status, attempts, "
        "  coalesce(last_status::text, nullif(last_error, ''), '-'), "
        "  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM notification WHERE ($1 = '' OR status = $1) AND ($2 = '' OR customer = $2) "
        "ORDER BY outbox_id",
        2, p);
    static const char fmt[] = "%-36s  %-20s %-18s %-12s %-9s %2s  %-14s %s\n";
    if (res && PQntuples(res))
        cli_list_header(stdout, fmt,
                        (const char *const[]){"EVENT", "KIND", "SUBJECT", "CUSTOMER", "STATUS", "N",
                                              "LAST", "CREATED", NULL});
    for (int i = 0; res && i < PQntuples(res); i++)
        printf(fmt, PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6),
               PQgetvalue(res, i, 7));
    rc = res ? 0 : 1;
    PQclear(res);
    PQfinish(conn);
    return rc;
}

/* Whether s is a UUID as PostgreSQL prints one (8-4-4-4-12 hex digits). */
static bool uuid_valid(const char *s)
{
    if (strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i])) return false;
    }
    return true;
}

static int notify_retry(int argc, char **argv)
{
    const char *actor = NULL;
    const struct cli_opt opts[] = {
        {"actor", CLI_TEXT, &actor, "NAME", LIFECYCLE_ACTOR_HELP, 0, CLI_ACTOR_MAX},
        {0},
    };
    const struct cli_spec spec = {"gpumeter notify retry EVENT_ID [--actor NAME]",
                                  "Put a dead notification back to pending with fresh attempts "
                                  "(audited).",
                                  opts, 1, 1};
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(&spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    if (!uuid_valid(argv[1])) {
        PQfinish(conn);
        return cli_usage_error(&spec, "EVENT_ID is an event's id, a UUID (notify list shows it)");
    }
    const char *p[] = {argv[1], actor ? actor : cfg.actor};
    PGresult *res = db_query(
        conn, "revive the notification",
        "WITH ev AS (SELECT n.status, n.attempts, n.last_status, n.last_error, n.outbox_id, "
        "                   n.endpoint FROM notification n WHERE n.event_id = $1::uuid), "
        "old AS (SELECT d.* FROM notify_delivery d JOIN ev ON d.outbox_id = ev.outbox_id "
        "        AND d.endpoint = ev.endpoint WHERE d.dead_at IS NOT NULL FOR UPDATE OF d), "
        "upd AS (UPDATE notify_delivery d SET dead_at = NULL, attempts = 0, "
        "        next_attempt_at = now() FROM old "
        "        WHERE d.outbox_id = old.outbox_id AND d.endpoint = old.endpoint "
        "        RETURNING d.outbox_id), "
        "audit AS (INSERT INTO audit_log (actor, object, key, action, before, after) "
        "          SELECT $2, 'notification', $1, 'update', "
        "            jsonb_build_object('status', 'dead', 'attempts', old.attempts, "
        "                               'last_status', old.last_status, "
        "                               'last_error', old.last_error, "
        "                               'dead_at', old.dead_at), "
        "            jsonb_build_object('status', 'pending') FROM old) "
        "SELECT (SELECT status FROM ev), (SELECT count(*) FROM upd)",
        2, p);
    rc = 1;
    if (res && PQgetisnull(res, 0, 0)) {
        log_error("no notification %s", argv[1]);
    } else if (res && strcmp(PQgetvalue(res, 0, 1), "1")) {
        log_error("notification %s is not dead", argv[1]);
        log_detail("It is %s; only a dead notification is retried by hand.",
                   PQgetvalue(res, 0, 0));
    } else if (res) {
        printf("notification %s: pending again\n", argv[1]);
        rc = 0;
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static const struct cli_command notify_table[] = {
    {"list", notify_list, "list notifications and their delivery", NULL},
    {"retry", notify_retry, "put a dead notification back to pending (audited)", NULL},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *notify_commands(void)
{
    return notify_table;
}

int cmd_notify(int argc, char **argv)
{
    /* a word after notify is a subcommand; options alone are the deliverer's */
    if (argc > 1 && argv[1][0] != '-')
        return cli_dispatch("gpumeter notify", notify_table, argc, argv);
    return notify_deliver(argc, argv);
}
