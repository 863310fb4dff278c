/* auth: credentials under failure limits (see auth.h).
 *
 * The order is the point: a limited request is refused only after its
 * credential was found not valid, never before; what bounds the cost of
 * finding that out is the keyring, not the refusal. */
#include "api/auth.h"

#include "api/bucket.h"
#include "api/keyring.h"
#include "core/alloc.h"
#include "core/digest.h"
#include "core/netaddr.h"
#include "core/timeutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct auth {
    struct buckets *by_id, *by_addr; /* apart: guesses of random ids evict no address */
    struct buckets *use_noted; /* one token a minute per key id: when last use is written */
    struct keyring *ring;
    atomic_long failures, limited, served_while_limited;
};

struct auth *auth_new(long failures_per_min)
{
    struct auth *a = xcalloc(1, sizeof *a);
    double per_min = (double)failures_per_min;
    a->by_id = buckets_new(per_min / 60.0, per_min);
    a->by_addr = buckets_new(per_min / 60.0, per_min);
    a->ring = keyring_new();
    a->use_noted = buckets_new(1.0 / 60.0, 1.0);
    return a;
}

void auth_free(struct auth *a)
{
    if (!a) return;
    buckets_free(a->by_id);
    buckets_free(a->by_addr);
    buckets_free(a->use_noted);
    keyring_free(a->ring);
    free(a);
}

/* What failures of addr count against: the address, or for IPv6 its /64
 * (one host is given a whole /64 and could otherwise start afresh with
 * each of its addresses). */
static void client_of(const char *addr, char *out, size_t cap)
{
    unsigned char a[16];
    char text[NETADDR_TEXT];
    if (!strchr(addr, ':') || !netaddr_parse(addr, a)) {
        snprintf(out, cap, "%s", addr);
        return;
    }
    memset(a + 8, 0, 8);
    netaddr_text(a, text);
    snprintf(out, cap, "%s/64", text);
}

enum auth_result auth_check(struct auth *a, PGconn *conn, unsigned *prepared,
                            const char *presented, const char *asked, const char *peer,
                            bool guess, struct caller *who)
{
    memset(who, 0, sizeof *who);
    char id[13] = "", digest[65] = "", addr[NETADDR_TEXT + 4];
    client_of(peer, addr, sizeof addr);
    bool shaped = presented && keys_id(presented, id);
    if (shaped) digest_sha256_hex(presented, strlen(presented), digest);
    int64_t now = time_monotonic_ms();
    bool limited = guess && (!bucket_take(a->by_addr, addr, now, false) ||
                             (shaped && !bucket_take(a->by_id, id, now, false)));
    enum keyring_match m = shaped ? keyring_match(a->ring, id, digest) : KEYRING_UNKNOWN;
    if (limited && m == KEYRING_UNKNOWN && shaped && keyring_load_due(a->ring, now) &&
        keyring_load(a->ring, conn))
        m = keyring_match(a->ring, id, digest);
    /* Known wrong, or unknown while limited: no query. */
    enum key_result k = m == KEYRING_MISMATCH || (limited && m != KEYRING_MATCH)
                            ? KEY_INVALID
                            : keys_verify(conn, prepared, presented, asked, who);
    if (k == KEY_OK) {
        if (m != KEYRING_MATCH) keyring_learn(a->ring, id, digest, now);
        if (limited) atomic_fetch_add(&a->served_while_limited, 1);
        if (bucket_take(a->use_noted, id, now, true)) keys_note_use(conn, id);
        return AUTH_OK;
    }
    if (k == KEY_ERROR) return AUTH_ERROR;
    if (m == KEYRING_MATCH) keyring_forget(a->ring, id); /* revoked since it was read */
    if (!guess) return AUTH_INVALID;
    atomic_fetch_add(&a->failures, 1);
    if (limited) {
        atomic_fetch_add(&a->limited, 1);
        return AUTH_LIMITED;
    }
    bucket_take(a->by_addr, addr, now, true);
    if (shaped) bucket_take(a->by_id, id, now, true);
    return AUTH_INVALID;
}

void auth_counts(struct auth *a, struct auth_counts *out)
{
    out->failures = atomic_load(&a->failures);
    out->limited = atomic_load(&a->limited);
    out->served_while_limited = atomic_load(&a->served_while_limited);
    out->keyring_loads = keyring_loads(a->ring);
}
