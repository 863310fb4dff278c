/* netaddr: client addresses as text, prefixes of them (10.0.0.0/8,
 * fd00::/8), and the client a chain of trusted proxies forwarded for.
 *
 * IPv4 addresses are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one
 * prefix list holds both families; text comes back canonical (inet_ntop,
 * IPv4 dotted). Used by gpumeter serve's api.trusted_proxies
 * (docs/api.md#clients-behind-a-proxy). Pure; thread-safe. */
#ifndef GPUMETER_NETADDR_H
#define GPUMETER_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#define NETADDR_TEXT 46 /* INET6_ADDRSTRLEN */

struct netaddr_prefix {
    unsigned char addr[16];
    unsigned bits; /* 0..128, counted on the mapped form */
};

/* An IPv4 or IPv6 address literal (no port, no brackets) into addr. */
bool netaddr_parse(const char *text, unsigned char addr[16]);
/* A socket address (AF_INET or AF_INET6) into addr; false (addr zeroed)
 * for another family. */
struct sockaddr;
bool netaddr_from_sockaddr(const struct sockaddr *sa, unsigned char addr[16]);
/* "ADDR" (all of it) or "ADDR/BITS" (0..32 for IPv4, 0..128 for IPv6). */
bool netaddr_prefix_parse(const char *text, struct netaddr_prefix *out);
/* Whether addr is in one of the n prefixes. */
bool netaddr_in(const struct netaddr_prefix *list, size_t n, const unsigned char addr[16]);
/* The canonical text of addr into out (NETADDR_TEXT bytes). */
void netaddr_text(const unsigned char addr[16], char *out);

/* The client address of a request (NETADDR_TEXT bytes into out). peer is
 * the address that connected; xff the X-Forwarded-For value (every such
 * header joined by commas, in order), or NULL. Only when the peer is one
 * of the trusted prefixes is xff read: from its right end, the first
 * address not itself trusted is the client (what the left of it says was
 * written by the client and proves nothing). An entry that is not an
 * address ends the walk: the request is the hop's that forwarded it (the
 * last trusted address seen). Every entry trusted: the leftmost. */
void netaddr_forwarded_client(const struct netaddr_prefix *trusted, size_t n, const char *peer,
                              const char *xff, char *out);

#endif
