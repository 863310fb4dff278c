/* The keyring and the failure buckets behind auth.h: a known id with
 * another digest is a mismatch (no database needed), one learned key
 * matches, a forgotten one is unknown, loads are claimed at most once a
 * second; a bucket refuses after its burst and refills at its rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "api/bucket.h"
#include "api/keyring.h"
#include "api/keys.h"
#include "core/credential.h"

#include <string.h>

#define DIGEST_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void test_keyring(void **state)
{
    (void)state;
    struct keyring *k = keyring_new();
    assert_int_equal(keyring_match(k, "0123456789ab", DIGEST_A), KEYRING_UNKNOWN);
    keyring_learn(k, "0123456789ab", DIGEST_A, 5);
    keyring_learn(k, "000000000000", DIGEST_B, 5);
    keyring_learn(k, "ffffffffffff", DIGEST_B, 5);
    assert_int_equal(keyring_size(k), 3);
    assert_int_equal(keyring_match(k, "0123456789ab", DIGEST_A), KEYRING_MATCH);
    assert_int_equal(keyring_match(k, "0123456789ab", DIGEST_B), KEYRING_MISMATCH);
    assert_int_equal(keyring_match(k, "ffffffffffff", DIGEST_B), KEYRING_MATCH);
    assert_int_equal(keyring_match(k, "000000000000", DIGEST_B), KEYRING_MATCH);
    assert_int_equal(keyring_match(k, "0123456789ab", "short"), KEYRING_UNKNOWN);
    keyring_forget(k, "0123456789ab");
    assert_int_equal(keyring_match(k, "0123456789ab", DIGEST_A), KEYRING_UNKNOWN);
    assert_int_equal(keyring_size(k), 2);
    assert_true(keyring_load_due(k, 0)); /* the first load */
    assert_false(keyring_load_due(k, KEYRING_RELOAD_MS - 1));
    assert_true(keyring_load_due(k, KEYRING_RELOAD_MS));
    assert_false(keyring_load_due(k, KEYRING_RELOAD_MS + 10));
    keyring_free(k);
}

static void test_key_shape(void **state)
{
    (void)state;
    char id[13];
    assert_true(keys_id("gmk_0123456789ab_" DIGEST_A, id));
    assert_string_equal(id, "0123456789ab");
    assert_false(keys_id("gmk_0123456789ab_" DIGEST_A "a", id));
    assert_false(keys_id("gmk_0123456789AB_" DIGEST_A, id));
    assert_false(keys_id("gmk_000000000000_00", id));
    assert_false(keys_id("wrong", id));
}

/* RFC 9110 11.1: the scheme is case-insensitive; a valid key sent as
 * "bearer KEY" must not count as a failed authentication. */
static void test_authorization_header(void **state)
{
    (void)state;
    assert_string_equal(credential_from_authorization("Bearer gmk_x"), "gmk_x");
    assert_string_equal(credential_from_authorization("bearer gmk_x"), "gmk_x");
    assert_string_equal(credential_from_authorization("BEARER  gmk_x"), "gmk_x");
    assert_string_equal(credential_from_authorization("Bearer\tgmk_x"), "gmk_x");
    assert_null(credential_from_authorization("Bearer"));
    assert_null(credential_from_authorization("Bearer "));
    assert_null(credential_from_authorization("Bearergmk_x"));
    assert_null(credential_from_authorization("Basic Z206eA=="));
    assert_null(credential_from_authorization(NULL));
}

static void test_buckets(void **state)
{
    (void)state;
    struct buckets *t = buckets_new(1.0, 3.0); /* one a second, three at once */
    for (int i = 0; i < 3; i++)
        assert_true(bucket_take(t, "10.0.0.1", 1000, true));
    assert_false(bucket_take(t, "10.0.0.1", 1000, true));
    assert_true(bucket_take(t, "10.0.0.2", 1000, false)); /* another key is its own */
    assert_false(bucket_take(t, "10.0.0.1", 1999, false));
    assert_true(bucket_take(t, "10.0.0.1", 2000, true)); /* one token a second later */
    assert_false(bucket_take(t, "10.0.0.1", 2000, true));
    assert_true(bucket_take(t, "10.0.0.1", 100000, false));
    buckets_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyring),
        cmocka_unit_test(test_key_shape),
        cmocka_unit_test(test_authorization_header),
        cmocka_unit_test(test_buckets),
    };
    return cmocka_run_group_tests_name("keyring", tests, NULL, NULL);
}
