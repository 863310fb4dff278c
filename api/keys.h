/* keys: API keys for gpumeter serve (schema 008).
 *
 * keys_verify checks a presented key: the row of its public id, not revoked,
 * with the SHA-256 of the whole key equal in constant time. It answers who
 * the caller is: a customer (its id and code), finance (every customer),
 * sales (plans, the customer list and simulations) or operator (the
 * fleet's reports, schema 070; which routes each role may use is
 * roles.h's), whether the key is read-only (schema 070), and, in the same
 * query, the usage version (schema 009) of the customer
 * the request is about and the statement version (schema 065), which
 * decide whether a cached response or a statement's kept inputs are
 * current.
 * `gpumeter customer key create|list|revoke` manage them, and a customer
 * its own read-only keys through the API (api/own_keys.h); a new key is
 * printed once and never stored. keys_note_use records a key's use. Thread-safe: keys_verify works on the caller's connection only. */
#ifndef GPUMETER_KEYS_H
#define GPUMETER_KEYS_H

#include <libpq-fe.h>
#include <stdbool.h>

struct caller {
    char key_id[13];
    bool finance;
    bool sales;              /* plans, customers and simulations only (schema 020) */
    bool operator;           /* the fleet's reports only (schema 070) */
    bool read_only;          /* may not write, not even its own customer's keys (070) */
    char customer[65];       /* "" for finance and sales */
    long long usage_version; /* of the customer asked about (the sum of its slots'
                                counters, schema 071); 0 when it has none */
    long long statement_version; /* schema 065: everything else a statement reads */
};

enum key_result { KEY_OK, KEY_INVALID, KEY_ERROR };

/* The statement slot keys_verify prepares on a connection (db.h). */
#define KEY_VERIFY_SLOT 31

/* Whether key has the shape of a key, "gmk_<12 hex id>_<64 hex secret>";
 * then its public id into id. */
bool keys_id(const char *key, char id[13]);

/* asked: the customer code the request names, or NULL for the caller's
 * own. prepared: the connection's prepared slots (db_query_prepared). */
enum key_result keys_verify(PGconn *conn, unsigned *prepared, const char *presented,
                            const char *asked, struct caller *who);

/* A new key's text, public id and SHA-256 (credential.h sizes); false
 * when randomness failed. */
bool keys_new(char *key, char *id, char *sha256);

/* Records that key id authenticated a request now (api_key.last_used_at);
 * the caller decides how often (auth.c: once a minute per key). A failure
 * is logged and otherwise ignored: it must not fail the request. */
void keys_note_use(PGconn *conn, const char *id);

#endif
