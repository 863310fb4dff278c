/* park: holding and releasing events of unmapped accounts (see park.h). */
#include "rating/park.h"

#include "core/db.h"
#include "core/log.h"
#include "rating/usage.h"
#include "core/alloc.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void park_rows_init(struct park_rows *r)
{
    memset(r, 0, sizeof *r);
    db_columns_open(&r->col, 6);
}

void park_rows_add(struct park_rows *r, int32_t partition, int64_t offset, const char *account,
                   const char *source, int64_t seq, const char *payload, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    db_array_add_int(&r->col.v[0], partition);
    db_array_add_int(&r->col.v[1], offset);
    db_array_add(&r->col.v[2], account);
    db_array_add(&r->col.v[3], source);
    db_array_add_int(&r->col.v[4], seq);
    struct strbuf h = STRBUF_INIT;
    sb_puts(&h, "\\x");
    for (size_t i = 0; i < len; i++) {
        sb_putc(&h, hex[(unsigned char)payload[i] >> 4]);
        sb_putc(&h, hex[(unsigned char)payload[i] & 15]);
    }
    db_array_add(&r->col.v[5], sb_str(&h));
    sb_free(&h);
    r->n++;
}

bool park_rows_write(PGconn *conn, const char *topic, struct park_rows *r)
{
    if (!r->n) return true;
    const char *p[7] = {topic};
    db_columns_close(&r->col, p, 1);
    return db_exec(conn, "park events of accounts without a customer",
                   "INSERT INTO parked_event (topic, partition, kafka_offset, account, source, "
                   "seq, payload) SELECT $1, p, o, a, s, q, b::bytea FROM unnest($2::int[], "
                   "$3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[]) "
                   "AS t(p, o, a, s, q, b) ON CONFLICT DO NOTHING",
                   7, p);
}

void park_rows_free(struct park_rows *r)
{
    db_columns_free(&r->col);
}

struct released {
    int32_t partition;
    long long n, dead;
};

/* Moves the counts of released events from parked to rated, and of those
 * that no longer decode from parked to dead_lettered. */
static bool count_back(PGconn *conn, const char *topic, const struct released *r, size_t n)
{
    struct strbuf part = STRBUF_INIT, cnt = STRBUF_INIT, dead = STRBUF_INIT;
    db_array_open(&part);
    db_array_open(&cnt);
    db_array_open(&dead);
    for (size_t i = 0; i < n; i++) {
        db_array_add_int(&part, r[i].partition);
        db_array_add_int(&cnt, r[i].n);
        db_array_add_int(&dead, r[i].dead);
    }
    db_array_close(&part);
    db_array_close(&cnt);
    db_array_close(&dead);
    const char *p[] = {topic, sb_str(&part), sb_str(&cnt), sb_str(&dead)};
    bool ok = db_exec(conn, "move released events from parked to rated",
                      "UPDATE rating_counter AS r SET parked = r.parked - t.n - t.d, "
                      "rated = r.rated + t.n, dead_lettered = r.dead_lettered + t.d "
                      "FROM unnest($2::int[], $3::bigint[], $4::bigint[]) AS t(p, n, d) "
                      "WHERE r.topic = $1 AND r.partition = t.p",
                      4, p);
    sb_free(&part);
    sb_free(&cnt);
    sb_free(&dead);
    return ok;
}

/* A parked event that a stricter build no longer decodes is not retried
 * for ever: it becomes a dead letter, on the topic and in the table. */
static bool bury(PGconn *conn, struct dlq *q, const char *topic, const char *partition,
                 const char *offset, const unsigned char *bytes, size_t len, enum event_error err,
                 const char *why)
{
    log_warn("parked event at partition %s offset %s no longer decodes: %s", partition, offset,
             why);
    int32_t part = (int32_t)atoi(partition);
    int64_t off = atoll(offset);
    const char *p[] = {topic, partition, offset, event_error_code(err), why, (const char *)bytes};
    const int lens[] = {0, 0, 0, 0, 0, (int)len}, fmts[] = {0, 0, 0, 0, 0, 1};
    PGresult *res = PQexecParams(conn,
                                 "INSERT INTO dead_letter (topic, partition, kafka_offset, "
                                 "reason_code, reason, payload) VALUES ($1, $2, $3, $4, $5, $6) "
                                 "ON CONFLICT DO NOTHING",
                                 6, NULL, p, lens, fmts, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
              dlq_send(q, (const char *)bytes, len, event_error_code(err), why, topic, part, off);
    PQclear(res);
    return ok;
}

static struct released *released_for(struct released *r, size_t *n, int32_t partition)
{
    for (size_t i = 0; i < *n; i++)
        if (r[i].partition == partition) return &r[i];
    r[*n] = (struct released){partition, 0, 0};
    return &r[(*n)++];
}

long park_release(PGconn *conn, const char *topic, struct dlq *q)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", PARK_RELEASE_MAX);
    const char *p[] = {topic, limit};
    if (!db_begin(conn)) return -1;
    PGresult *res = db_query(
        conn, "release parked events of mapped accounts",
        "DELETE FROM parked_event WHERE (topic, partition, kafka_offset) IN ("
        "SELECT p.topic, p.partition, p.kafka_offset FROM parked_event p "
        "WHERE p.topic = $1 AND EXISTS (SELECT 1 FROM account a WHERE a.account = p.account) "
        "ORDER BY p.partition, p.kafka_offset LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "RETURNING partition, payload, kafka_offset",
        2, p);
    int rows = res ? PQntuples(res) : 0;
    struct usage_event *ev = xcalloc(rows ? (size_t)rows : 1, sizeof *ev);
    struct released *rel = xcalloc(rows ? (size_t)rows : 1, sizeof *rel);
    size_t nrel = 0;
    struct usage_set usage = {0};
    bool ok = res != NULL, buried = false;
    for (int i = 0; ok && i < rows; i++) {
        size_t len;
        unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 1), &len);
        if (!bytes) abort();
        char why[200];
        enum event_error err = event_decode((const char *)bytes, len, &ev[i], why, sizeof why);
        struct released *r = released_for(rel, &nrel, atoi(PQgetvalue(res, i, 0)));
        if (err == EVENT_OK) {
            struct event_numbers num;
            event_numbers_of(&ev[i], &num);
            usage_add(&usage, &ev[i], &num);
            r->n++;
        } else {
            ok = bury(conn, q, topic, PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), bytes, len, err,
                      why);
            r->dead++;
            buried = true;
        }
        PQfreemem(bytes);
    }
    if (buried) ok = ok && dlq_flush(q, 30000);
    ok = ok && usage_write(conn, &usage) && count_back(conn, topic, rel, nrel) && db_commit(conn);
    if (!ok) db_rollback(conn);
    PQclear(res);
    usage_free(&usage);
    free(ev);
    free(rel);
    return ok ? rows : -1;
}
