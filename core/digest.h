/* digest: SHA-256 as lower-case hex, for change detection (migrations,
 * applied documents). Pure; thread-safe. */
#ifndef GPUMETER_DIGEST_H
#define GPUMETER_DIGEST_H

#include <stddef.h>

void digest_sha256_hex(const char *data, size_t len, char out[65]);

#endif
