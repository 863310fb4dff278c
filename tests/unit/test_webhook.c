/* Webhooks (billing/webhook.h, docs/notifications.md): the signature is
 * HMAC-SHA256 of "<t>.<body>" under the secret, as `openssl dgst -sha256
 * -hmac` computes it (the vector below was computed so, independently of
 * gpumeter), and the retry schedule doubles from its first wait up to its
 * cap, as the documentation's table says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "billing/webhook.h"

#include <stdio.h>
#include <string.h>

static void test_signature_is_openssl_hmac_of_t_dot_body(void **state)
{
    (void)state;
    /* printf '%s' '1796639311.{"id":"x","data":{"n": 1}}' |
     *     openssl dgst -sha256 -hmac 'gpumeter-test-secret-0123456789' */
    static const char secret[] = "gpumeter-test-secret-0123456789";
    static const char body[] = "{\"id\":\"x\",\"data\":{\"n\": 1}}";
    char sig[WEBHOOK_SIGNATURE_LEN];
    webhook_signature(secret, strlen(secret), 1796639311LL, body, strlen(body), sig);
    assert_string_equal(
        sig, "t=1796639311,v1=d3162f72da49b3bebd4d932ea5c47a22202bd28d78beca5193a3877d3748b486");
}

static void test_signature_changes_with_t_body_and_secret(void **state)
{
    (void)state;
    char a[WEBHOOK_SIGNATURE_LEN], b[WEBHOOK_SIGNATURE_LEN];
    webhook_signature("secret-one-0123456789", 21, 100, "{}", 2, a);
    webhook_signature("secret-one-0123456789", 21, 101, "{}", 2, b);
    if (!strcmp(a + strlen("t=100,"), b + strlen("t=101,")))
        fail_msg("expected another v1 for another t, got %s for both", a);
    webhook_signature("secret-one-0123456789", 21, 100, "{ }", 3, b);
    if (!strcmp(a, b)) fail_msg("expected another v1 for another body, got %s for both", a);
    webhook_signature("secret-two-0123456789", 21, 100, "{}", 2, b);
    if (!strcmp(a, b)) fail_msg("expected another v1 under another secret, got %s for both", a);
}

static void test_backoff_doubles_to_its_cap(void **state)
{
    (void)state;
    /* the defaults (30 s, at most an hour): docs/notifications.md's schedule */
    static const long expected[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600};
    for (long n = 1; n <= 10; n++) {
        long got = webhook_backoff_s(30, 3600, n);
        if (got != expected[n - 1])
            fail_msg("after %ld failed attempts expected a wait of %ld s, got %ld s", n,
                     expected[n - 1], got);
    }
    assert_int_equal(webhook_backoff_s(1, 2, 100), 2); /* the tests' settings */
    assert_int_equal(webhook_backoff_s(86400, 604800, 1000000), 604800); /* no overflow */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_is_openssl_hmac_of_t_dot_body),
        cmocka_unit_test(test_signature_changes_with_t_body_and_secret),
        cmocka_unit_test(test_backoff_doubles_to_its_cap),
    };
    return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
