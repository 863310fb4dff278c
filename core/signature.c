/* signature: HMAC-SHA256 over the canonical event encoding (see signature.h). */
#include "signature.h"
#include "digest.h"

#include <openssl/crypto.h>
#include <string.h>

static void compute(const struct usage_event *ev, const char *key, char hex[65])
{
    struct usage_event unsigned_ev = *ev;
    unsigned_ev.sig[0] = '\0';
    struct strbuf sb = STRBUF_INIT;
    sb_reserve(&sb, 512); /* one allocation for a typical event, not four */
    event_encode(&unsigned_ev, &sb);
    digest_hmac_sha256_hex(key, strlen(key), sb.buf, sb.len, hex);
    sb_free(&sb);
}

void signature_sign(struct usage_event *ev, const char *key)
{
    compute(ev, key, ev->sig);
}

bool signature_valid(const struct usage_event *ev, const char *key)
{
    if (strlen(ev->sig) != 64) return false;
    char expected[65];
    compute(ev, key, expected);
    return CRYPTO_memcmp(expected, ev->sig, 64) == 0;
}
