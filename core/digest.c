/* digest: SHA-256 and HMAC-SHA256 hex (see digest.h). */
#include "digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void to_hex(const unsigned char md[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[64] = '\0';
}

void digest_sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    to_hex(md, out);
}

void digest_hmac_sha256_hex(const char *key, size_t keylen, const char *data, size_t len,
                            char out[65])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data, len, mac, &n);
    to_hex(mac, out);
}
