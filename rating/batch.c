/* batch: classification and the one commit of a batch (see batch.h). */
#include "rating/batch.h"

#include "core/db.h"
#include "core/invariant.h"
#include "core/log.h"
#include "core/signature.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "rating/capacity.h"
#include "rating/dedup.h"
#include "rating/device_health.h"
#include "rating/park.h"
#include "rating/usage.h"
#include "core/alloc.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DLQ_TIMEOUT_MS 30000
#define REASON_LEN     200 /* a dead letter's sentence, truncated */
#define COMMIT_ATTEMPTS 20 /* of a transaction aborted by a deadlock or serialization failure */

const char *const dead_reason_codes[DEAD_REASONS] = {
    "malformed_json",   "unsupported_version", "missing_field",        "invalid_field",
    "invalid_quantity", REASON_BAD_SIGNATURE,  REASON_UNKNOWN_CLUSTER, REASON_SOURCE_CLUSTER,
    REASON_FUTURE_TIME, REASON_REJECTED};

enum outcome { RATED, DUPLICATE, DEAD, PARKED };

struct tally {
    int32_t partition;
    int64_t next_offset, epoch;
    long long consumed, rated, duplicates, dead, parked;
};

/* One transaction over msgs[0..n) of a batch (all of it, or a part while a
 * refused message is being isolated). */
struct flush {
    struct batch_msg *msgs;
    size_t n;
    const char *bytes; /* the batch's payloads */
    const struct flush_ctx *ctx;
    PGconn *conn;
    struct dedup dedup;
    char **mapped; /* accounts with a customer, sorted */
    size_t nmapped;
    PGresult *mapped_res;
    const char *last_account; /* is_mapped's last answer */
    bool last_mapped;
    struct tally *tally;
    size_t ntally;
    enum outcome *outcome;
    const char **code; /* dead-letter reason per message */
    struct usage_set usage;
    struct capacity_set capacity;
    struct device_health_set health;
    long long late;
};

void batch_add(struct batch *b, const struct config *cfg, int32_t partition, int64_t offset,
               const char *payload, size_t len)
{
    assert(len < UINT32_MAX && b->bytes.len < UINT32_MAX - len); /* a batch is within 64 MiB */
    ALLOC_GROW(b->msgs, b->n, b->cap, 1024);
    struct batch_msg *m = &b->msgs[b->n++];
    m->partition = partition;
    m->offset = offset;
    m->at = (uint32_t)b->bytes.len;
    m->rejected = false;
    m->rebuilt = false;
    m->reason = NULL;
    m->head = NULL;
    m->sig = SIG_NO_KEY; /* read only when the event decodes */
    char reason[REASON_LEN];
    struct usage_event ev;
    m->err = event_decode(payload ? payload : "", len, &ev, reason, sizeof reason);
    if (m->err) {
        m->reason = xstrdup(reason);
        m->len = (uint32_t)len;
        sb_append(&b->bytes, payload ? payload : "", len);
        return;
    }
    const char *key = config_hmac_key(cfg, ev.cluster);
    m->sig = !key ? SIG_NO_KEY : signature_valid(&ev, key) ? SIG_VALID : SIG_INVALID;
    m->signed_event = ev.sig[0] != '\0';
    /* the payload is kept only if its canonical encoding would not give it back */
    sb_reset(&b->encoded);
    event_encode(&ev, &b->encoded);
    m->rebuilt = b->encoded.len == len && !memcmp(b->encoded.buf, payload, len);
    const char *keep = m->rebuilt ? ev.sig : payload;
    m->len = (uint32_t)(m->rebuilt ? strlen(ev.sig) : len);
    sb_append(&b->bytes, keep, m->len);
    m->head = event_intern_split(&b->heads, &ev, &m->num);
}

/* Sets *out to m's payload, from bytes (its batch's). */
static void payload_of(const char *bytes, const struct batch_msg *m, struct strbuf *out)
{
    sb_reset(out);
    if (!m->rebuilt) {
        sb_append(out, bytes + m->at, m->len);
        return;
    }
    struct usage_event ev = *m->head;
    event_numbers_put(&m->num, &ev);
    assert(m->len < sizeof ev.sig);
    memcpy(ev.sig, bytes + m->at, m->len);
    ev.sig[m->len] = '\0';
    event_encode(&ev, out);
}

void batch_msg_payload(const struct batch *b, const struct batch_msg *m, struct strbuf *out)
{
    payload_of(b->bytes.buf, m, out);
}

size_t batch_held_bytes(const struct batch *b)
{
    return b->n * sizeof *b->msgs + b->bytes.len + event_intern_bytes(&b->heads);
}

bool batch_full(const struct batch *b, long long max_messages)
{
    return (long long)b->n >= max_messages || batch_held_bytes(b) >= BATCH_MAX_BYTES;
}

/* Replaces m's reason with the formatted sentence. */
static void set_reason(struct batch_msg *m, const char *fmt, va_list ap)
{
    char reason[REASON_LEN];
    vsnprintf(reason, sizeof reason, fmt, ap);
    free(m->reason);
    m->reason = xstrdup(reason);
}

static void set_reasonf(struct batch_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_reasonf(struct batch_msg *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_reason(m, fmt, ap);
    va_end(ap);
}

void batch_counts_add(struct batch_counts *to, const struct batch_counts *from)
{
    to->consumed += from->consumed;
    to->rated += from->rated;
    to->duplicates += from->duplicates;
    to->dead_lettered += from->dead_lettered;
    to->parked += from->parked;
    to->late += from->late;
    to->gaps_closed += from->gaps_closed;
    to->retries += from->retries;
    for (int k = 0; k < DEAD_REASONS; k++)
        to->dead_by_reason[k] += from->dead_by_reason[k];
}

void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->msgs[i].reason);
    b->n = 0;
    sb_reset(&b->bytes);
    event_intern_reset(&b->heads);
}

void batch_free(struct batch *b)
{
    batch_clear(b);
    free(b->msgs);
    sb_free(&b->bytes);
    sb_free(&b->encoded);
    event_intern_free(&b->heads);
    memset(b, 0, sizeof *b);
}

static const char *msg_reason(const struct batch_msg *m)
{
    return m->reason ? m->reason : "";
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The batch's accounts that belong to a customer. */
static bool load_mapped(struct flush *f)
{
    struct strset seen = {0};
    struct strbuf arr = STRBUF_INIT;
    db_array_open(&arr);
    for (size_t i = 0; i < f->n; i++)
        if (!f->msgs[i].err && strset_add(&seen, f->msgs[i].head->account))
            db_array_add(&arr, f->msgs[i].head->account);
    db_array_close(&arr);
    strset_free(&seen);
    const char *p[] = {sb_str(&arr)};
    f->mapped_res = db_query(f->conn, "look up the customers of the batch's accounts",
                             "SELECT account FROM account WHERE account = ANY($1::text[]) "
                             "ORDER BY account COLLATE \"C\"",
                             1, p);
    sb_free(&arr);
    if (!f->mapped_res) return false;
    f->nmapped = (size_t)PQntuples(f->mapped_res);
    f->mapped = xcalloc(f->nmapped ? f->nmapped : 1, sizeof *f->mapped);
    for (size_t i = 0; i < f->nmapped; i++)
        f->mapped[i] = PQgetvalue(f->mapped_res, (int)i, 0);
    return true;
}

static bool is_mapped(struct flush *f, const char *account)
{
    if (f->last_account && !strcmp(f->last_account, account)) return f->last_mapped;
    f->last_account = account;
    f->last_mapped = bsearch(&account, f->mapped, f->nmapped, sizeof *f->mapped, str_cmp) != NULL;
    return f->last_mapped;
}

static struct tally *tally_for(struct flush *f, int32_t partition)
{
    for (size_t i = 0; i < f->ntally; i++)
        if (f->tally[i].partition == partition) return &f->tally[i];
    struct tally *t = &f->tally[f->ntally++];
    memset(t, 0, sizeof *t);
    t->partition = partition;
    t->epoch = -1;
    for (size_t i = 0; i < f->ctx->nepochs; i++)
        if (f->ctx->epochs[i].partition == partition) t->epoch = f->ctx->epochs[i].epoch;
    return t;
}

static enum outcome dead(struct flush *f, size_t i, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum outcome dead(struct flush *f, size_t i, const char *code, const char *fmt, ...)
{
    struct batch_msg *m = &f->msgs[i];
    f->code[i] = code;
    va_list ap;
    va_start(ap, fmt);
    set_reason(m, fmt, ap);
    va_end(ap);
    return DEAD;
}

static enum outcome classify_one(struct flush *f, size_t i)
{
    struct batch_msg *m = &f->msgs[i];
    if (m->rejected) {
        f->code[i] = REASON_REJECTED;
        return DEAD;
    }
    if (m->err) {
        f->code[i] = event_error_code(m->err);
        return DEAD;
    }
    const struct usage_event *ev = m->head; /* its strings; the numbers are m->num */
    if (m->sig == SIG_INVALID)
        return dead(f, i, REASON_BAD_SIGNATURE, "%s signature for cluster \"%s\"",
                    m->signed_event ? "forged" : "missing", ev->cluster);
    if (m->sig == SIG_NO_KEY && f->ctx->signing_required)
        return dead(f, i, REASON_UNKNOWN_CLUSTER,
                    "cluster \"%s\" has no signing key (hmac.<cluster>) and signing is required",
                    ev->cluster);
    struct seq_window *w = dedup_find(&f->dedup, ev->source);
    if (w->cluster[0] && strcmp(w->cluster, ev->cluster))
        return dead(f, i, REASON_SOURCE_CLUSTER,
                    "source \"%s\" belongs to cluster \"%s\", not \"%s\"", ev->source, w->cluster,
                    ev->cluster);
    if (dedup_seen(w, m->num.seq)) return DUPLICATE;
    dedup_accept(&f->dedup, w, m->num.seq, ev->cluster); /* a dead letter below still uses it up */
    int64_t ahead = m->num.end_ms - f->ctx->now_ms;
    if (ahead > f->ctx->cfg->max_future_s * 1000)
        return dead(f, i, REASON_FUTURE_TIME, "window ends %" PRId64 " s after it was ingested",
                    ahead / 1000);
    if (f->ctx->now_ms - m->num.end_ms > f->ctx->cfg->late_horizon_s * 1000) f->late++;
    if (ev->kind == EVENT_KIND_CAPACITY) { /* the operator's own: never parked */
        capacity_add(&f->capacity, ev, &m->num);
        return RATED;
    }
    if (ev->kind == EVENT_KIND_HEALTH) { /* the fleet's, whoever rented it: never parked */
        device_health_add(&f->health, ev, &m->num);
        return RATED;
    }
    if (!is_mapped(f, ev->account)) return PARKED;
    usage_add(&f->usage, ev, &m->num);
    return RATED;
}

static void classify(struct flush *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct batch_msg *m = &f->msgs[i];
        struct tally *t = tally_for(f, m->partition);
        if (m->offset + 1 > t->next_offset) t->next_offset = m->offset + 1;
        t->consumed++;
        switch ((f->outcome[i] = classify_one(f, i))) {
        case RATED:
            t->rated++;
            break;
        case DUPLICATE:
            t->duplicates++;
            break;
        case DEAD:
            t->dead++;
            break;
        case PARKED:
            t->parked++;
            break;
        }
    }
}

/* The dead-letter producer is shared by a batch's connections (its
 * delivery callback counts failures unlocked), and dead letters are rare. */
static pthread_mutex_t dlq_lock = PTHREAD_MUTEX_INITIALIZER;

static bool send_dead_letters(struct flush *f)
{
    pthread_mutex_lock(&dlq_lock);
    bool any = false, ok = true;
    struct strbuf payload = STRBUF_INIT;
    for (size_t i = 0; ok && i < f->n; i++) {
        if (f->outcome[i] != DEAD) continue;
        const struct batch_msg *m = &f->msgs[i];
        any = true;
        payload_of(f->bytes, m, &payload);
        ok = dlq_send(f->ctx->dlq, payload.buf, payload.len, f->code[i], msg_reason(m),
                      f->ctx->topic, m->partition, m->offset);
    }
    sb_free(&payload);
    ok = ok && (!any || dlq_flush(f->ctx->dlq, DLQ_TIMEOUT_MS));
    pthread_mutex_unlock(&dlq_lock);
    return ok;
}

static bool save_dead_letter(struct flush *f, size_t i)
{
    const struct batch_msg *m = &f->msgs[i];
    char part[16], off[24];
    snprintf(part, sizeof part, "%" PRId32, m->partition);
    snprintf(off, sizeof off, "%" PRId64, m->offset);
    struct strbuf payload = STRBUF_INIT;
    payload_of(f->bytes, m, &payload);
    const char *p[] = {f->ctx->topic, part, off, f->code[i], msg_reason(m), payload.buf};
    const int len[] = {0, 0, 0, 0, 0, (int)payload.len};
    const int fmt[] = {0, 0, 0, 0, 0, 1};
    PGresult *res = PQexecParams(f->conn,
                                 "INSERT INTO dead_letter (topic, partition, kafka_offset, "
                                 "reason_code, reason, payload) VALUES ($1, $2, $3, $4, $5, $6) "
                                 "ON CONFLICT DO NOTHING",
                                 6, NULL, p, len, fmt, 0);
    sb_free(&payload);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        log_error("could not keep a dead letter");
        log_detail("%s", PQerrorMessage(f->conn));
    }
    PQclear(res);
    return ok;
}

static bool save_parked(struct flush *f)
{
    struct park_rows rows;
    park_rows_init(&rows);
    struct strbuf payload = STRBUF_INIT;
    for (size_t i = 0; i < f->n; i++) {
        if (f->outcome[i] != PARKED) continue;
        const struct batch_msg *m = &f->msgs[i];
        payload_of(f->bytes, m, &payload);
        park_rows_add(&rows, m->partition, m->offset, m->head->account, m->head->source,
                      m->num.seq, payload.buf, payload.len);
    }
    sb_free(&payload);
    bool ok = park_rows_write(f->conn, f->ctx->topic, &rows);
    park_rows_free(&rows);
    return ok;
}

/* Offsets, guarded by the epochs, then counters. False with *fenced set when
 * a partition has moved on to a newer owner. */
static bool save_partitions(struct flush *f, bool *fenced)
{
    struct db_columns arr;
    db_columns_open(&arr, 8);
    for (size_t i = 0; i < f->ntally; i++) {
        const struct tally *t = &f->tally[i];
        const int64_t v[8] = {t->partition, t->next_offset, t->epoch, t->consumed,
                              t->rated,     t->duplicates,  t->dead,  t->parked};
        for (int k = 0; k < 8; k++)
            db_array_add_int(&arr.v[k], v[k]);
    }
    const char *p[9] = {f->ctx->topic};
    db_columns_close(&arr, p, 1);
    PGresult *res =
        db_query(f->conn, "store consumer offsets",
                 "UPDATE consumer_offset AS o SET next_offset = t.o, updated_at = now() "
                 "FROM unnest($2::int[], $3::bigint[], $4::bigint[]) AS t(p, o, e) "
                 "WHERE o.topic = $1 AND o.partition = t.p AND o.epoch = t.e RETURNING o.partition",
                 4, p);
    bool ok = res != NULL;
    if (ok && (size_t)PQntuples(res) != f->ntally) {
        *fenced = true;
        ok = false;
    }
    PQclear(res);
    const char *counters[] = {f->ctx->topic, p[1], p[4], p[5], p[6], p[7], p[8]};
    ok = ok && db_exec(f->conn, "update rating counters",
                       "INSERT INTO rating_counter AS r (topic, partition, consumed, rated, "
                       "duplicates, dead_lettered, parked) SELECT $1, * FROM unnest($2::int[], "
                       "$3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[]) "
                       "ON CONFLICT (topic, partition) DO UPDATE SET "
                       "consumed = r.consumed + excluded.consumed, "
                       "rated = r.rated + excluded.rated, "
                       "duplicates = r.duplicates + excluded.duplicates, "
                       "dead_lettered = r.dead_lettered + excluded.dead_lettered, "
                       "parked = r.parked + excluded.parked",
                       7, counters);
    db_columns_free(&arr);
    return ok;
}

/* What only this transaction's partitions write comes first (dedup state,
 * parked events, dead letters, offsets and counters: keyed by source or
 * partition), the rows partitions share last (capacity, health, hourly
 * usage with its rollup and usage versions), so that a transaction on
 * another connection waiting for those rows waits only for the shared
 * writes and the commit (docs/rating.md#the-commit-split-over-connections). */
static bool write_all(struct flush *f, bool *fenced, int64_t *usage_ms)
{
    for (size_t i = 0; i < f->ntally; i++)
        if (f->tally[i].epoch < 0) { /* consumed from a partition no longer held */
            *fenced = true;
            return false;
        }
    if (!dedup_save(&f->dedup, f->conn) || !save_parked(f)) return false;
    for (size_t i = 0; i < f->n; i++)
        if (f->outcome[i] == DEAD && !save_dead_letter(f, i)) return false;
    if (!save_partitions(f, fenced) || !capacity_write(f->conn, &f->capacity) ||
        !device_health_write(f->conn, &f->health))
        return false;
    int64_t t0 = time_monotonic_ms();
    bool usage_ok = usage_write(f->conn, &f->usage);
    *usage_ms = time_monotonic_ms() - t0;
    return usage_ok;
}

static void add_counts(const struct flush *f, struct batch_counts *c)
{
    for (size_t i = 0; i < f->ntally; i++) {
        c->consumed += f->tally[i].consumed;
        c->rated += f->tally[i].rated;
        c->duplicates += f->tally[i].duplicates;
        c->dead_lettered += f->tally[i].dead;
        c->parked += f->tally[i].parked;
    }
    c->late += f->late;
    c->gaps_closed += f->dedup.gaps_closed;
    for (size_t i = 0; i < f->n; i++)
        for (int k = 0; f->outcome[i] == DEAD && k < DEAD_REASONS; k++)
            if (!strcmp(f->code[i], dead_reason_codes[k])) c->dead_by_reason[k]++;
}

/* Commits msgs[0..n) in one transaction. */
static enum flush_result commit_range(struct batch_msg *msgs, size_t n, const char *bytes,
                                      PGconn *conn, const struct flush_ctx *ctx,
                                      struct batch_counts *counts)
{
    struct flush f = {.msgs = msgs, .n = n, .bytes = bytes, .ctx = ctx, .conn = conn};
    f.tally = xcalloc(n, sizeof *f.tally);
    f.outcome = xcalloc(n, sizeof *f.outcome);
    f.code = xcalloc(n, sizeof *f.code);
    const char **sources = xcalloc(n, sizeof *sources);
    size_t nsrc = 0;
    struct strset distinct = {0};
    for (size_t i = 0; i < n; i++)
        if (!msgs[i].err && strset_add(&distinct, msgs[i].head->source))
            sources[nsrc++] = msgs[i].head->source;
    strset_free(&distinct);
    bool fenced = false;
    /* where a batch's time goes, for GPUMETER_DEBUG (bench/REPORT.md's analysis) */
    int64_t t[5] = {time_monotonic_ms()}, usage_ms = 0;
    bool ok = db_begin(conn) && dedup_load(&f.dedup, conn, sources, nsrc) && load_mapped(&f);
    t[1] = time_monotonic_ms();
    if (ok) {
        classify(&f);
        t[2] = time_monotonic_ms();
        ok = send_dead_letters(&f) && write_all(&f, &fenced, &usage_ms);
        t[3] = time_monotonic_ms();
        ok = ok && db_commit(conn);
        t[4] = time_monotonic_ms();
    }
    if (ok) {
        add_counts(&f, counts);
        log_debug("batch of %zu: %" PRId64 " ms reading dedup state and accounts, %" PRId64
                  " ms classifying and splitting, %" PRId64 " ms writing (%" PRId64
                  " ms of it the hourly usage with its rollup), %" PRId64 " ms committing",
                  n, t[1] - t[0], t[2] - t[1], t[3] - t[2], usage_ms, t[4] - t[3]);
    }
    else
        db_rollback(conn);
    if (fenced)
        log_warn("a partition of this batch is now held by another rater; the batch was "
                 "discarded uncommitted");
    usage_free(&f.usage);
    capacity_free(&f.capacity);
    device_health_free(&f.health);
    dedup_free(&f.dedup);
    PQclear(f.mapped_res);
    free(f.mapped);
    free(f.tally);
    free(f.outcome);
    free(f.code);
    free(sources);
    return ok ? FLUSH_OK : fenced ? FLUSH_FENCED : FLUSH_FAILED;
}

/* A failure tied to the data of some message, which committing without
 * that message cures: a data exception, an integrity violation, a program
 * limit, or an exception raised by a trigger. A lost connection, a lock, a
 * permission or a missing table is never blamed on a message. */
static bool refused_for_data(PGconn *conn)
{
    const char *s = db_last_sqlstate();
    return PQstatus(conn) == CONNECTION_OK && s[0] &&
           (!strncmp(s, "22", 2) || !strncmp(s, "23", 2) || !strncmp(s, "54", 2) ||
            !strncmp(s, "P0", 2));
}

/* A failure that a retry from the start cures: a deadlock or a
 * serialization failure, which PostgreSQL resolves by aborting one of the
 * transactions involved (the batch's offsets are in it, so nothing of it
 * landed). */
static bool worth_retrying(PGconn *conn)
{
    const char *s = db_last_sqlstate();
    return PQstatus(conn) == CONNECTION_OK && (!strcmp(s, "40P01") || !strcmp(s, "40001"));
}

/* GPUMETER_FAULT_EXIT_AFTER_COMMITS=N, a test knob (docs/testing.md): the
 * process _exit()s right after its Nth transaction commits, so that a test
 * can stop a rater between the per-connection commits of one batch. */
static void fault_after_commit(void)
{
    static atomic_long commits;
    const char *n = getenv("GPUMETER_FAULT_EXIT_AFTER_COMMITS");
    if (n && *n && atomic_fetch_add(&commits, 1) + 1 == atol(n)) {
        log_warn("GPUMETER_FAULT_EXIT_AFTER_COMMITS=%s: exiting after that commit", n);
        _exit(137);
    }
}

/* commit_range, again from the start after a deadlock or a serialization
 * failure (two connections upserting rows their partitions share). */
static enum flush_result commit_retrying(struct batch_msg *msgs, size_t n, const char *bytes,
                                         PGconn *conn, const struct flush_ctx *ctx,
                                         struct batch_counts *counts)
{
    for (int attempt = 1;; attempt++) {
        enum flush_result r = commit_range(msgs, n, bytes, conn, ctx, counts);
        if (r == FLUSH_OK) fault_after_commit();
        if (r != FLUSH_FAILED || attempt == COMMIT_ATTEMPTS || !worth_retrying(conn)) return r;
        log_warn("a batch's transaction was aborted (SQLSTATE %s); committing it again",
                 db_last_sqlstate());
        counts->retries++;
        db_clear_error();
    }
}

/* msgs[0..n) failed for its data: commits it in halves, in order (so each
 * partition's offsets only move forward), down to the one message that
 * fails alone, which is then committed as a dead letter. */
static enum flush_result isolate(struct batch_msg *msgs, size_t n, const char *bytes, PGconn *conn,
                                 const struct flush_ctx *ctx, struct batch_counts *counts)
{
    if (n == 1) {
        if (msgs->rejected) return FLUSH_FAILED; /* refused even as a dead letter */
        log_warn("PostgreSQL refuses the message at partition %d offset %lld; it becomes a dead "
                 "letter and the rest of its batch is rated",
                 msgs->partition, (long long)msgs->offset);
        msgs->rejected = true;
        set_reasonf(msgs, "PostgreSQL refused it: %s (SQLSTATE %s)", db_last_error(),
                    db_last_sqlstate());
        return commit_retrying(msgs, 1, bytes, conn, ctx, counts);
    }
    size_t half = n / 2;
    const size_t from[2] = {0, half}, len[2] = {half, n - half};
    for (int k = 0; k < 2; k++) {
        enum flush_result r = commit_retrying(msgs + from[k], len[k], bytes, conn, ctx, counts);
        if (r == FLUSH_FAILED && refused_for_data(conn))
            r = isolate(msgs + from[k], len[k], bytes, conn, ctx, counts);
        if (r != FLUSH_OK) return r;
    }
    return FLUSH_OK;
}

bool batch_conn_slot(PGconn *conn, int slot)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SET gpumeter.usage_version_slot = %d", slot);
    return db_exec(conn, "set the connection's usage version slot", sql, 0, NULL);
}

/* One connection's share of a batch: the messages of its partitions. */
struct slot {
    struct batch_msg *msgs;
    size_t n;
    const char *bytes;
    PGconn *conn;
    const struct flush_ctx *ctx;
    struct batch_counts counts;
    enum flush_result result;
    int index;   /* in batch_flush's conns */
    pthread_t thread;
};

static void *commit_slot(void *arg)
{
    struct slot *s = arg;
    s->result = FLUSH_OK;
    if (!s->n) return NULL;
    /* a helper connection lost since (the rater's own, conns[0], it
     * reconnects itself): again, in its usage version slot */
    if (s->index > 0 && PQstatus(s->conn) != CONNECTION_OK) {
        PQreset(s->conn);
        if (PQstatus(s->conn) == CONNECTION_OK) batch_conn_slot(s->conn, s->index);
    }
    s->result = commit_retrying(s->msgs, s->n, s->bytes, s->conn, s->ctx, &s->counts);
    if (s->result == FLUSH_FAILED && refused_for_data(s->conn))
        s->result = isolate(s->msgs, s->n, s->bytes, s->conn, s->ctx, &s->counts);
    return NULL;
}

/* Orders a batch's messages by slot, then partition and offset (a
 * partition's messages keep their order: offsets only grow). */
static int by_slot(const void *pa, const void *pb)
{
    const struct batch_msg *a = pa, *b = pb;
    if (a->slot != b->slot) return a->slot < b->slot ? -1 : 1;
    if (a->partition != b->partition) return a->partition < b->partition ? -1 : 1;
    return (a->offset > b->offset) - (a->offset < b->offset);
}

static int int32_cmp(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return (a > b) - (a < b);
}

/* a slot is a byte of every message (batch.h: a message's record stays
 * within test_batch_memory's bound) */
_Static_assert(CONFIG_COMMIT_CONNECTIONS_MAX <= UINT8_MAX, "slots fit batch_msg.slot");

/* Deals the batch's partitions out to nconns slots in turn (in partition
 * order, so equal batches split equally) and sorts the messages by slot. */
static void split_by_partition(struct batch *b, size_t nconns)
{
    int32_t *parts = xcalloc(b->n, sizeof *parts);
    size_t np = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!np || parts[np - 1] != b->msgs[i].partition) parts[np++] = b->msgs[i].partition;
    qsort(parts, np, sizeof *parts, int32_cmp);
    size_t w = 0;
    for (size_t i = 0; i < np; i++)
        if (!w || parts[w - 1] != parts[i]) parts[w++] = parts[i];
    for (size_t i = 0; i < b->n; i++) {
        const int32_t *at = bsearch(&b->msgs[i].partition, parts, w, sizeof *parts, int32_cmp);
        assert(at);
        b->msgs[i].slot = (uint8_t)((size_t)(at - parts) % nconns);
    }
    free(parts);
    qsort(b->msgs, b->n, sizeof *b->msgs, by_slot);
}

enum flush_result batch_flush(struct batch *b, PGconn *const *conns, size_t nconns,
                              const struct flush_ctx *ctx, struct batch_counts *counts)
{
    assert(nconns >= 1 && nconns <= CONFIG_COMMIT_CONNECTIONS_MAX);
    if (!b->n) return FLUSH_OK;
    struct slot slots[CONFIG_COMMIT_CONNECTIONS_MAX];
    memset(slots, 0, sizeof slots);
    if (nconns > 1) split_by_partition(b, nconns);
    for (size_t i = 0, k = 0; k < nconns; k++) {
        slots[k] = (struct slot){.msgs = b->msgs + i, .bytes = b->bytes.buf, .conn = conns[k],
                                 .ctx = ctx, .index = (int)k};
        while (i < b->n && (nconns == 1 || b->msgs[i].slot == k)) {
            i++;
            slots[k].n++;
        }
    }
    /* slot 0 on this thread, the others each on a thread of their own */
    bool started[CONFIG_COMMIT_CONNECTIONS_MAX] = {false};
    for (size_t k = 1; k < nconns; k++)
        if (slots[k].n) {
            started[k] = !pthread_create(&slots[k].thread, NULL, commit_slot, &slots[k]);
            if (!started[k]) commit_slot(&slots[k]);
        }
    commit_slot(&slots[0]);
    enum flush_result r = FLUSH_OK;
    for (size_t k = 0; k < nconns; k++) {
        if (started[k]) pthread_join(slots[k].thread, NULL);
        batch_counts_add(counts, &slots[k].counts);
        if (slots[k].result == FLUSH_FENCED || (slots[k].result == FLUSH_FAILED && r == FLUSH_OK))
            r = slots[k].result;
    }
    batch_clear(b);
    return r;
}
