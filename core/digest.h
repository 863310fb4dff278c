/* digest: SHA-256 as lower-case hex, for change detection (migrations,
 * applied documents), and HMAC-SHA256 as lower-case hex, the one keyed
 * digest (event signatures, webhook signatures). Pure; thread-safe. */
#ifndef GPUMETER_DIGEST_H
#define GPUMETER_DIGEST_H

#include <stddef.h>

void digest_sha256_hex(const char *data, size_t len, char out[65]);
/* HMAC-SHA256 of data under key (keylen bytes), 64 hex digits. */
void digest_hmac_sha256_hex(const char *key, size_t keylen, const char *data, size_t len,
                            char out[65]);

#endif
