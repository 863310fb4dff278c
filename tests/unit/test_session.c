/* The console's sessions: a token gives back only its own key, ends at
 * sign-out, when unused too long and when too old, a full table refuses
 * rather than evicts, forged tokens find nothing, and threads share it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "api/session.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define KEY_A "gmk_aaaaaaaaaaaa_0000000000000000000000000000000000000000000000000000000000000000"
#define KEY_B "gmk_bbbbbbbbbbbb_1111111111111111111111111111111111111111111111111111111111111111"

static void test_a_token_gives_back_its_key(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(8, 60, 3600);
    char a[SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 1000, a));
    assert_true(session_start(s, KEY_B, 1000, b));
    assert_int_equal(strlen(a), SESSION_TOKEN_LEN);
    assert_int_equal(strspn(a, "0123456789abcdef"), SESSION_TOKEN_LEN);
    assert_string_not_equal(a, b);
    assert_true(session_key(s, a, 2000, key));
    assert_string_equal(key, KEY_A);
    assert_true(session_key(s, b, 2000, key));
    assert_string_equal(key, KEY_B);
    assert_int_equal(session_count(s, 2000), 2);
    session_end(s, a);
    assert_false(session_key(s, a, 2000, key));
    assert_true(session_key(s, b, 2000, key)); /* the other one lives on */
    assert_int_equal(session_count(s, 2000), 1);
    sessions_free(s);
}

static void test_forged_tokens_find_nothing(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(4, 60, 3600);
    char a[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX], forged[SESSION_TOKEN_LEN + 2];
    assert_true(session_start(s, KEY_A, 0, a));
    snprintf(forged, sizeof forged, "%s", a);
    forged[0] = forged[0] == '0' ? '1' : '0'; /* one character off */
    assert_false(session_key(s, forged, 1, key));
    snprintf(forged, sizeof forged, "%.63s", a); /* a prefix */
    assert_false(session_key(s, forged, 1, key));
    snprintf(forged, sizeof forged, "%sA", a); /* longer */
    assert_false(session_key(s, forged, 1, key));
    for (size_t i = 0; i < SESSION_TOKEN_LEN; i++)
        forged[i] = a[i] >= 'a' ? (char)(a[i] - 'a' + 'A') : a[i]; /* upper case */
    forged[SESSION_TOKEN_LEN] = '\0';
    assert_false(strcmp(forged, a) && session_key(s, forged, 1, key));
    assert_false(session_key(s, "", 1, key));
    session_end(s, "not a token"); /* ends nothing */
    assert_true(session_key(s, a, 1, key));
    sessions_free(s);
}

static void test_sessions_expire(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(4, 10, 30); /* 10 s unused, 30 s in all */
    char a[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 0, a));
    assert_true(session_key(s, a, 9999, key));   /* used just in time */
    assert_true(session_key(s, a, 19998, key));  /* each use moves the idle limit */
    assert_false(session_key(s, a, 29998, key)); /* 10 s unused: ended */
    assert_false(session_key(s, a, 29999, key)); /* and stays ended */
    assert_true(session_start(s, KEY_A, 0, a));
    for (int64_t t = 5000; t < 30000; t += 5000)
        assert_true(session_key(s, a, t, key));
    assert_false(session_key(s, a, 30000, key)); /* 30 s after sign-in, however used */
    assert_int_equal(session_count(s, 30000), 0);
    sessions_free(s);
}

static void test_a_full_table_refuses(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(2, 10, 3600);
    char a[SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1], c[SESSION_TOKEN_LEN + 1];
    char key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 0, a));
    assert_true(session_start(s, KEY_B, 0, b));
    assert_false(session_start(s, KEY_A, 1, c)); /* full of live sessions */
    assert_true(session_key(s, a, 1, key));      /* neither was pushed out */
    assert_true(session_key(s, b, 1, key));
    assert_true(session_start(s, KEY_A, 11001, c)); /* an expired one's slot is reused */
    assert_true(session_key(s, c, 11001, key));
    assert_false(session_key(s, a, 11001, key));
    char long_key[SESSION_KEY_MAX + 8];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    sessions_free(s);
    s = sessions_new(2, 10, 3600);
    assert_false(session_start(s, long_key, 0, c)); /* never truncated */
    assert_int_equal(session_count(s, 0), 0);
    sessions_free(s);
}

struct worker {
    struct sessions *s;
    int wrong;
};

static void *churn(void *arg)
{
    struct worker *w = arg;
    char token[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX], mine[96];
    snprintf(mine, sizeof mine, "gmk_%012lx_x", (unsigned long)(uintptr_t)w);
    for (int i = 0; i < 2000; i++) {
        if (!session_start(w->s, mine, i, token)) continue;
        if (!session_key(w->s, token, i, key) || strcmp(key, mine)) w->wrong++;
        session_end(w->s, token);
        if (session_key(w->s, token, i, key)) w->wrong++;
    }
    return NULL;
}

static void test_threads_share_the_table(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(16, 60, 3600);
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){s, 0};
        pthread_create(&t[i], NULL, churn, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].wrong, 0);
    }
    assert_int_equal(session_count(s, 0), 0);
    sessions_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_token_gives_back_its_key),
        cmocka_unit_test(test_forged_tokens_find_nothing),
        cmocka_unit_test(test_sessions_expire),
        cmocka_unit_test(test_a_full_table_refuses),
        cmocka_unit_test(test_threads_share_the_table),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
