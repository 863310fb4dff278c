/* Client addresses behind trusted proxies (api.trusted_proxies): only a
 * trusted peer's X-Forwarded-For is read, from its right end, so what a
 * client writes into the header never chooses its own address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static void test_prefixes(void **state)
{
    (void)state;
    struct netaddr_prefix p[3];
    unsigned char a[16];
    assert_true(netaddr_prefix_parse("10.0.0.0/8", &p[0]));
    assert_true(netaddr_prefix_parse("192.0.2.7", &p[1]));
    assert_true(netaddr_prefix_parse("fd00::/8", &p[2]));
    assert_true(netaddr_parse("10.200.3.4", a));
    assert_true(netaddr_in(p, 3, a));
    assert_true(netaddr_parse("11.0.0.1", a));
    assert_false(netaddr_in(p, 3, a));
    assert_true(netaddr_parse("192.0.2.7", a));
    assert_true(netaddr_in(p, 3, a));
    assert_true(netaddr_parse("192.0.2.8", a));
    assert_false(netaddr_in(p, 3, a));
    assert_true(netaddr_parse("fd12::1", a));
    assert_true(netaddr_in(p, 3, a));
    assert_true(netaddr_parse("fe80::1", a));
    assert_false(netaddr_in(p, 3, a));
    assert_true(netaddr_prefix_parse("0.0.0.0/0", &p[0])); /* every IPv4, no IPv6 */
    assert_true(netaddr_parse("8.8.8.8", a));
    assert_true(netaddr_in(p, 1, a));
    assert_true(netaddr_parse("2001:db8::1", a));
    assert_false(netaddr_in(p, 1, a));
    const char *bad[] = {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "fd00::/129", "host",
                         "10.0.0.1:80", "10.0.0.0/8x", "/8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(netaddr_prefix_parse(bad[i], &p[0]));
}

static void client(const char *trusted, const char *peer, const char *xff, const char *want)
{
    struct config cfg;
    char err[256], out[NETADDR_TEXT];
    config_defaults(&cfg);
    assert_int_equal(config_set(&cfg, "api.trusted_proxies", trusted, err, sizeof err), 0);
    netaddr_forwarded_client(cfg.api_trusted_proxies, (size_t)cfg.n_trusted_proxies, peer, xff,
                             out);
    if (strcmp(out, want))
        fail_msg("trusted [%s] peer %s X-Forwarded-For [%s]: expected %s, got %s", trusted, peer,
                 xff ? xff : "(none)", want, out);
}

static void test_forwarded_client(void **state)
{
    (void)state;
    client("", "127.0.0.1", "203.0.113.7", "127.0.0.1");            /* no proxy trusted */
    client("10.0.0.5", "127.0.0.1", "203.0.113.7", "127.0.0.1");    /* an untrusted peer */
    client("10.0.0.5", "10.0.0.5", NULL, "10.0.0.5");               /* no header */
    client("10.0.0.5", "10.0.0.5", "203.0.113.7", "203.0.113.7");   /* one hop */
    client("10.0.0.5", "10.0.0.5", " 203.0.113.7 ", "203.0.113.7"); /* spaces */
    /* what the client wrote is left of what the proxy appended */
    client("10.0.0.5", "10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7");
    client("10.0.0.5", "10.0.0.5", "garbage, 203.0.113.7", "203.0.113.7");
    /* a chain of trusted proxies */
    client("10.0.0.0/8", "10.0.0.5", "1.2.3.4, 203.0.113.7, 10.1.1.1", "203.0.113.7");
    client("10.0.0.0/8", "10.0.0.5", "10.9.9.9,10.1.1.1", "10.9.9.9"); /* all trusted */
    /* not an address: the request is the hop's that forwarded it */
    client("10.0.0.0/8", "10.0.0.5", "203.0.113.7, nonsense", "10.0.0.5");
    client("10.0.0.0/8", "10.0.0.5", "203.0.113.7, x, 10.1.1.1", "10.1.1.1");
    client("10.0.0.5", "10.0.0.5", "", "10.0.0.5");
    client("10.0.0.5", "10.0.0.5", ",", "10.0.0.5");
    client("10.0.0.5", "10.0.0.5", "203.0.113.7:4711", "10.0.0.5");
    client("::1 10.0.0.5", "::1", "2001:db8::7", "2001:db8::7");
    client("10.0.0.5", "10.0.0.5", "::ffff:203.0.113.7", "203.0.113.7"); /* one form */
}

/* A connection's address (core/deadline.h's per-address cap) reads as
 * the same 16 bytes as its text, so a prefix matches it either way. */
static void test_from_sockaddr(void **state)
{
    (void)state;
    unsigned char a[16], b[16];
    char text[NETADDR_TEXT];
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "10.1.2.3", &v4.sin_addr);
    assert_true(netaddr_from_sockaddr((const struct sockaddr *)&v4, a));
    assert_true(netaddr_parse("10.1.2.3", b));
    assert_memory_equal(a, b, 16);
    netaddr_text(a, text);
    assert_string_equal(text, "10.1.2.3");
    struct netaddr_prefix p;
    assert_true(netaddr_prefix_parse("10.0.0.0/8", &p));
    assert_true(netaddr_in(&p, 1, a));
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::7", &v6.sin6_addr);
    assert_true(netaddr_from_sockaddr((const struct sockaddr *)&v6, a));
    netaddr_text(a, text);
    assert_string_equal(text, "2001:db8::7");
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_false(netaddr_from_sockaddr(&other, a));
    static const unsigned char zero[16];
    assert_memory_equal(a, zero, 16);
}

static void test_config(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_int_equal(cfg.n_trusted_proxies, 0);
    assert_int_equal(cfg.api_sessions_per_key, 16);
    assert_int_equal(config_set(&cfg, "api.trusted_proxies", "10.0.0.5, fd00::/8 127.0.0.1", err,
                                sizeof err),
                     0);
    assert_int_equal(cfg.n_trusted_proxies, 3);
    assert_int_equal(config_set(&cfg, "api.trusted_proxies", "", err, sizeof err), 0);
    assert_int_equal(cfg.n_trusted_proxies, 0);
    assert_int_equal(config_set(&cfg, "api.trusted_proxies", "10.0.0.5, proxy.local", err,
                                sizeof err),
                     -1);
    assert_string_equal(err, "api.trusted_proxies: \"proxy.local\" is not an IP address or "
                             "prefix (10.0.0.5, 10.0.0.0/8, fd00::/8)");
    char many[1024] = "";
    for (int i = 0; i <= CONFIG_MAX_PROXIES; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.0.%d ", i);
    assert_int_equal(config_set(&cfg, "api.trusted_proxies", many, err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "api.sessions_per_key", "0", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "api.sessions_per_key", "4", err, sizeof err), 0);
    assert_int_equal(cfg.api_sessions_per_key, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_forwarded_client),
        cmocka_unit_test(test_from_sockaddr),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
