/* The console's sessions: a token gives back only its own key, ends at
 * sign-out, when unused too long and when too old; one key holds at most
 * its cap (its oldest ends first), so it cannot starve another key; a
 * table full of many keys' sessions ends the least recently used session
 * of the key holding most; forged tokens find nothing; threads share it. */
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
    struct sessions *s = sessions_new(8, 16, 60, 3600);
    char a[SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 1000, a, NULL));
    assert_true(session_start(s, KEY_B, 1000, b, NULL));
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

/* The CSRF token: random per session, given at sign-in and by session_csrf,
 * accepted only for its own session, never the session token, another
 * session's, a prefix or nothing; gone with its session. */
static void test_csrf_token_belongs_to_its_session(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(4, 16, 60, 3600);
    char a[SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1];
    char ca[SESSION_TOKEN_LEN + 1], cb[SESSION_TOKEN_LEN + 1], got[SESSION_TOKEN_LEN + 1];
    assert_true(session_start(s, KEY_A, 0, a, ca));
    assert_true(session_start(s, KEY_A, 0, b, cb));
    assert_int_equal(strspn(ca, "0123456789abcdef"), SESSION_TOKEN_LEN);
    assert_string_not_equal(ca, a);
    assert_string_not_equal(ca, cb);
    assert_true(session_csrf(s, a, got));
    assert_string_equal(got, ca);
    assert_true(session_csrf_ok(s, a, ca));
    assert_true(session_csrf_ok(s, b, cb));
    assert_false(session_csrf_ok(s, a, cb)); /* another session's */
    assert_false(session_csrf_ok(s, a, a));  /* the cookie's own value */
    assert_false(session_csrf_ok(s, a, NULL));
    assert_false(session_csrf_ok(s, a, ""));
    char prefix[SESSION_TOKEN_LEN];
    memcpy(prefix, ca, SESSION_TOKEN_LEN - 1);
    prefix[SESSION_TOKEN_LEN - 1] = '\0';
    assert_false(session_csrf_ok(s, a, prefix));
    session_end(s, a);
    assert_false(session_csrf_ok(s, a, ca));
    assert_false(session_csrf(s, a, got));
    sessions_free(s);
}

static void test_forged_tokens_find_nothing(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(4, 16, 60, 3600);
    char a[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX], forged[SESSION_TOKEN_LEN + 2];
    assert_true(session_start(s, KEY_A, 0, a, NULL));
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
    struct sessions *s = sessions_new(4, 16, 10, 30); /* 10 s unused, 30 s in all */
    char a[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 0, a, NULL));
    assert_true(session_key(s, a, 9999, key));   /* used just in time */
    assert_true(session_key(s, a, 19998, key));  /* each use moves the idle limit */
    assert_false(session_key(s, a, 29998, key)); /* 10 s unused: ended */
    assert_false(session_key(s, a, 29999, key)); /* and stays ended */
    assert_true(session_start(s, KEY_A, 0, a, NULL));
    for (int64_t t = 5000; t < 30000; t += 5000)
        assert_true(session_key(s, a, t, key));
    assert_false(session_key(s, a, 30000, key)); /* 30 s after sign-in, however used */
    assert_int_equal(session_count(s, 30000), 0);
    sessions_free(s);
}

#define KEY_C "gmk_cccccccccccc_2222222222222222222222222222222222222222222222222222222222222222"

/* issue 31: 4,096 sign-ins with one key filled the table and finance got
 * 503. Now one key holds its cap, its oldest session ending first. */
static void test_one_key_cannot_starve_another(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(8, 3, 60, 3600);
    char t[40][SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX];
    for (int i = 0; i < 40; i++)
        assert_true(session_start(s, KEY_A, 1000 + i, t[i], NULL));
    assert_int_equal(session_count(s, 1100), 3); /* the cap, not the table */
    for (int i = 0; i < 37; i++)
        assert_false(session_key(s, t[i], 1100, key)); /* the oldest ended first */
    for (int i = 37; i < 40; i++) {
        assert_true(session_key(s, t[i], 1100, key)); /* the newest three live */
        assert_string_equal(key, KEY_A);
    }
    assert_true(session_start(s, KEY_B, 1100, b, NULL)); /* finance still signs in */
    assert_true(session_key(s, b, 1101, key));
    assert_string_equal(key, KEY_B);
    long per_key, full;
    session_evictions(s, &per_key, &full);
    assert_int_equal(per_key, 37);
    assert_int_equal(full, 0);
    sessions_free(s);
}

/* The oldest by sign-in, however recently it was used. */
static void test_the_cap_ends_the_oldest_sign_in(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(8, 2, 60, 3600);
    char a1[SESSION_TOKEN_LEN + 1], a2[SESSION_TOKEN_LEN + 1], a3[SESSION_TOKEN_LEN + 1];
    char key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 1000, a1, NULL));
    assert_true(session_start(s, KEY_A, 2000, a2, NULL));
    assert_true(session_key(s, a1, 3000, key)); /* a1 used last */
    assert_true(session_start(s, KEY_A, 4000, a3, NULL));
    assert_false(session_key(s, a1, 4001, key));
    assert_true(session_key(s, a2, 4001, key));
    assert_true(session_key(s, a3, 4001, key));
    sessions_free(s);
}

/* A table full of many keys' live sessions: a new sign-in ends the least
 * recently used session of the key holding most, never fails. */
static void test_a_full_table_ends_the_busiest_keys_idlest(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(5, 3, 60, 3600);
    char a[3][SESSION_TOKEN_LEN + 1], b[2][SESSION_TOKEN_LEN + 1], c[SESSION_TOKEN_LEN + 1];
    char c2[SESSION_TOKEN_LEN + 1], key[SESSION_KEY_MAX];
    for (int i = 0; i < 3; i++)
        assert_true(session_start(s, KEY_A, 1000 + i, a[i], NULL));
    assert_true(session_start(s, KEY_B, 900, b[0], NULL)); /* B's are older, but B holds fewer */
    assert_true(session_start(s, KEY_B, 901, b[1], NULL));
    assert_true(session_key(s, a[0], 2000, key)); /* A's idlest is now a[1] */
    assert_true(session_start(s, KEY_C, 3000, c, NULL));
    assert_false(session_key(s, a[1], 3001, key));
    assert_true(session_key(s, a[0], 3001, key)); /* each use in turn: a[0] is now the idlest */
    assert_true(session_key(s, a[2], 3002, key));
    assert_true(session_key(s, b[1], 3003, key));
    assert_true(session_key(s, b[0], 3004, key));
    assert_true(session_key(s, c, 3005, key));
    assert_string_equal(key, KEY_C);
    /* now A and B hold two each, C one: the idlest of A's and B's goes */
    assert_true(session_start(s, KEY_C, 4000, c2, NULL));
    assert_false(session_key(s, a[0], 4001, key));
    assert_true(session_key(s, b[1], 4001, key));
    assert_int_equal(session_count(s, 4001), 5);
    long per_key, full;
    session_evictions(s, &per_key, &full);
    assert_int_equal(per_key, 0);
    assert_int_equal(full, 2);
    sessions_free(s);
}

static void test_expired_slots_are_reused_first(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(2, 16, 10, 3600);
    char a[SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1], c[SESSION_TOKEN_LEN + 1];
    char key[SESSION_KEY_MAX];
    assert_true(session_start(s, KEY_A, 0, a, NULL));
    assert_true(session_start(s, KEY_B, 5000, b, NULL));
    assert_true(session_start(s, KEY_A, 11001, c, NULL)); /* a expired: its slot, nobody evicted */
    assert_true(session_key(s, c, 11001, key));
    assert_false(session_key(s, a, 11001, key));
    assert_true(session_key(s, b, 11001, key));
    long per_key, full;
    session_evictions(s, &per_key, &full);
    assert_int_equal(per_key + full, 0);
    char long_key[SESSION_KEY_MAX + 8];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    sessions_free(s);
    s = sessions_new(2, 16, 10, 3600);
    assert_false(session_start(s, long_key, 0, c, NULL)); /* never truncated */
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
        if (!session_start(w->s, mine, i, token, NULL)) continue;
        if (!session_key(w->s, token, i, key) || strcmp(key, mine)) w->wrong++;
        session_end(w->s, token);
        if (session_key(w->s, token, i, key)) w->wrong++;
    }
    return NULL;
}

static void test_threads_share_the_table(void **state)
{
    (void)state;
    struct sessions *s = sessions_new(16, 16, 60, 3600);
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
        cmocka_unit_test(test_csrf_token_belongs_to_its_session),
        cmocka_unit_test(test_sessions_expire),
        cmocka_unit_test(test_one_key_cannot_starve_another),
        cmocka_unit_test(test_the_cap_ends_the_oldest_sign_in),
        cmocka_unit_test(test_a_full_table_ends_the_busiest_keys_idlest),
        cmocka_unit_test(test_expired_slots_are_reused_first),
        cmocka_unit_test(test_threads_share_the_table),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
