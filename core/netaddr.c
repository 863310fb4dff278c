/* netaddr: addresses, prefixes and forwarded clients (see netaddr.h). */
#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool netaddr_parse(const char *text, unsigned char addr[16])
{
    struct in_addr v4;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        memset(addr, 0, 10);
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, text, addr) == 1;
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, unsigned char addr[16])
{
    memset(addr, 0, 16);
    if (sa->sa_family == AF_INET) {
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family != AF_INET6) return false;
    memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    return true;
}

static bool is_mapped_v4(const unsigned char addr[16])
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return !memcmp(addr, prefix, sizeof prefix);
}

bool netaddr_prefix_parse(const char *text, struct netaddr_prefix *out)
{
    char host[NETADDR_TEXT + 1];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    if (n == 0 || n >= sizeof host) return false;
    memcpy(host, text, n);
    host[n] = '\0';
    if (!netaddr_parse(host, out->addr)) return false;
    bool v4 = strchr(host, ':') == NULL;
    unsigned max = v4 ? 32 : 128;
    out->bits = max;
    if (slash) {
        const char *digits = slash + 1;
        size_t len = strlen(digits);
        if (len == 0 || len > 3 || strspn(digits, "0123456789") != len) return false;
        unsigned b = (unsigned)atoi(digits);
        if (b > max) return false;
        out->bits = b;
    }
    if (v4) out->bits += 96;
    return true;
}

bool netaddr_in(const struct netaddr_prefix *list, size_t n, const unsigned char addr[16])
{
    for (size_t i = 0; i < n; i++) {
        unsigned whole = list[i].bits / 8, rest = list[i].bits % 8;
        if (memcmp(list[i].addr, addr, whole)) continue;
        unsigned char mask = (unsigned char)(0xff00 >> rest);
        if (rest && (list[i].addr[whole] & mask) != (addr[whole] & mask)) continue;
        return true;
    }
    return false;
}

void netaddr_text(const unsigned char addr[16], char *out)
{
    if (is_mapped_v4(addr))
        inet_ntop(AF_INET, addr + 12, out, NETADDR_TEXT);
    else
        inet_ntop(AF_INET6, addr, out, NETADDR_TEXT);
}

/* The entry of xff that ends at end (exclusive), trimmed, into buf; the
 * start of that entry through *start. False when it does not fit. */
static bool entry_before(const char *xff, const char *end, const char **start, char *buf,
                         size_t cap)
{
    const char *b = end;
    while (b > xff && b[-1] != ',')
        b--;
    *start = b;
    while (b < end && (*b == ' ' || *b == '\t'))
        b++;
    const char *e = end;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if ((size_t)(e - b) >= cap) return false;
    memcpy(buf, b, (size_t)(e - b));
    buf[e - b] = '\0';
    return true;
}

void netaddr_forwarded_client(const struct netaddr_prefix *trusted, size_t n, const char *peer,
                              const char *xff, char *out)
{
    unsigned char client[16];
    if (!netaddr_parse(peer, client)) {
        snprintf(out, NETADDR_TEXT, "%s", peer);
        return;
    }
    if (xff && netaddr_in(trusted, n, client)) {
        const char *end = xff + strlen(xff), *start;
        char entry[NETADDR_TEXT + 1];
        unsigned char hop[16];
        while (entry_before(xff, end, &start, entry, sizeof entry) && netaddr_parse(entry, hop)) {
            memcpy(client, hop, sizeof hop);
            if (!netaddr_in(trusted, n, hop) || start == xff) break;
            end = start - 1; /* the comma before this entry */
        }
    }
    netaddr_text(client, out);
}
