/* keys: API keys for gpumeter serve (schema 008).
 *
 * key_verify checks a presented key: the row of its public id, not revoked,
 * with the SHA-256 of the whole key equal in constant time. It answers who
 * the caller is: a customer (its id and code) or finance (every customer).
 * `gpumeter customer key create|list|revoke` manage them; a new key is
 * printed once and never stored. */
#ifndef GPUMETER_KEYS_H
#define GPUMETER_KEYS_H

#include <libpq-fe.h>
#include <stdbool.h>

struct caller {
    char key_id[13];
    bool finance;
    char customer[65]; /* "" for finance */
};

enum key_result { KEY_OK, KEY_INVALID, KEY_ERROR };

enum key_result key_verify(PGconn *conn, const char *presented, struct caller *who);

/* `gpumeter customer key ...` */
int cmd_customer_key(int argc, char **argv);

#endif
