/* credential: the shape of a secret a client presents, "<prefix><id>_<secret>".
 *
 * A credential is a 4-byte prefix naming its kind ("gmk_" API keys,
 * "gmr_" token reporters), a 12-hex-digit public id (what lists and
 * revocations name) and 64 hex digits (256 bits) of secret from OpenSSL's
 * generator. Only its SHA-256 (digest.h) is ever stored; the credential is
 * printed once at creation. Pure apart from the random generator;
 * thread-safe. */
#ifndef GPUMETER_CREDENTIAL_H
#define GPUMETER_CREDENTIAL_H

#include <stdbool.h>

#define CREDENTIAL_ID_LEN 12
#define CREDENTIAL_LEN    (4 + CREDENTIAL_ID_LEN + 1 + 64)

/* A new credential of prefix (4 bytes, e.g. "gmk_") into key, its id and
 * the SHA-256 hex of the whole key. False when the random generator failed
 * (logged). */
bool credential_new(const char *prefix, char key[CREDENTIAL_LEN + 1],
                    char id[CREDENTIAL_ID_LEN + 1], char sha256[65]);
/* Whether presented has the shape of a credential of prefix; its id into id. */
bool credential_split(const char *prefix, const char *presented, char id[CREDENTIAL_ID_LEN + 1]);

/* The credential of an Authorization header's value, "Bearer <credential>":
 * the scheme in any case and blanks after it, as RFC 9110 section 11.1
 * allows a client to send it (a trainer writing "bearer" is not a guess);
 * NULL for another scheme, none, or no credential after it. */
const char *credential_from_authorization(const char *header);

#endif
