/* signature: HMAC-SHA256 over the canonical event encoding (see signature.h). */
#include "signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static void compute(const struct usage_event *ev, const char *key, char hex[65])
{
    struct usage_event unsigned_ev = *ev;
    unsigned_ev.sig[0] = '\0';
    struct strbuf sb = STRBUF_INIT;
    sb_reserve(&sb, 512); /* one allocation for a typical event, not four */
    event_encode(&unsigned_ev, &sb);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)sb.buf, sb.len, mac, &maclen);
    sb_free(&sb);
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 15];
    }
    hex[64] = '\0';
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
