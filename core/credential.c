/* credential: creating and splitting presented secrets (see credential.h). */
#include "core/credential.h"

#include "core/digest.h"
#include "core/invariant.h"
#include "core/log.h"

#include <strings.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

bool credential_new(const char *prefix, char key[CREDENTIAL_LEN + 1],
                    char id[CREDENTIAL_ID_LEN + 1], char sha256[65])
{
    assert(strlen(prefix) == 4);
    unsigned char raw[CREDENTIAL_ID_LEN / 2 + 32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        log_error("the OpenSSL random generator failed");
        return false;
    }
    char secret[65];
    hex(raw, CREDENTIAL_ID_LEN / 2, id);
    hex(raw + CREDENTIAL_ID_LEN / 2, 32, secret);
    snprintf(key, CREDENTIAL_LEN + 1, "%s%s_%s", prefix, id, secret);
    digest_sha256_hex(key, strlen(key), sha256);
    return true;
}

bool credential_split(const char *prefix, const char *presented, char id[CREDENTIAL_ID_LEN + 1])
{
    size_t n = strlen(presented);
    if (n != CREDENTIAL_LEN || strncmp(presented, prefix, 4) ||
        presented[4 + CREDENTIAL_ID_LEN] != '_')
        return false;
    for (size_t i = 4; i < n; i++)
        if (i != 4 + CREDENTIAL_ID_LEN && !strchr("0123456789abcdef", presented[i])) return false;
    memcpy(id, presented + 4, CREDENTIAL_ID_LEN);
    id[CREDENTIAL_ID_LEN] = '\0';
    return true;
}

const char *credential_from_authorization(const char *header)
{
    if (!header || strncasecmp(header, "Bearer", 6) || (header[6] != ' ' && header[6] != '\t'))
        return NULL;
    const char *c = header + 6;
    while (*c == ' ' || *c == '\t')
        c++;
    return *c ? c : NULL;
}
