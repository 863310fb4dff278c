/* park: accepted events of accounts that belong to no customer yet.
 *
 * They are not dead letters: the event is fine, the contract data is
 * missing. They wait in parked_event (the original bytes, already past
 * dedup) and park_release rates them once their account is mapped: it takes
 * a slice of such events (SKIP LOCKED, so raters share the work), splits
 * them into hourly usage exactly as if they had just arrived, and moves them
 * from `parked` to `rated` in the counters, in one transaction.
 * Thread-safe with one connection per thread (raters share the work through SKIP LOCKED). */
#ifndef GPUMETER_PARK_H
#define GPUMETER_PARK_H

#include "core/event.h"
#include "core/db.h"
#include "rating/dlq.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARK_RELEASE_MAX 20000

struct park_rows {
    struct db_columns col;
    size_t n;
};

void park_rows_init(struct park_rows *r);
/* One parked event: its account, source and seq, and its payload. */
void park_rows_add(struct park_rows *r, int32_t partition, int64_t offset, const char *account,
                   const char *source, int64_t seq, const char *payload, size_t len);
bool park_rows_write(PGconn *conn, const char *topic, struct park_rows *r);
void park_rows_free(struct park_rows *r);

/* Rates up to PARK_RELEASE_MAX parked events of mapped accounts; the number
 * released, or -1 after logging (nothing changed). One that no longer
 * decodes (parked by a laxer build) becomes a dead letter on q and in
 * dead_letter instead of holding the others back. */
long park_release(PGconn *conn, const char *topic, struct dlq *q);

#endif
