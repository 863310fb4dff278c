/* The API's response cache: hits only on the same key and version, stays
 * within its byte budget, and is safe to share between threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "api/cache.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* After a reconnect (cache_invalidate) nothing kept is served, and the
 * generation the keys carry has moved. */
static void test_invalidate_forgets_everything(void **state)
{
    (void)state;
    struct cache *c = cache_new(1 << 20);
    struct strbuf out = STRBUF_INIT;
    const char *type = NULL;
    uint64_t before = cache_generation(c);
    cache_put(c, "usage alpha", 7, "text/csv", "a,b\n", 4);
    cache_invalidate(c);
    assert_false(cache_get(c, "usage alpha", 7, &out, &type));
    assert_int_equal(cache_bytes(c), 0);
    assert_int_equal(cache_generation(c), before + 1);
    cache_invalidate(NULL); /* no cache: nothing to do */
    assert_int_equal(cache_generation(NULL), 0);
    sb_free(&out);
    cache_free(c);
}

static void test_hit_only_on_key_and_version(void **state)
{
    (void)state;
    struct cache *c = cache_new(1 << 20);
    struct strbuf out = STRBUF_INIT;
    const char *type = NULL;
    assert_false(cache_get(c, "usage alpha", 7, &out, &type));
    cache_put(c, "usage alpha", 7, "text/csv", "a,b\n", 4);
    assert_true(cache_get(c, "usage alpha", 7, &out, &type));
    assert_string_equal(sb_str(&out), "a,b\n");
    assert_string_equal(type, "text/csv");
    sb_reset(&out);
    assert_false(cache_get(c, "usage alpha", 8, &out, &type)); /* the data moved */
    assert_false(cache_get(c, "usage beta", 7, &out, &type));
    assert_int_equal(out.len, 0);
    cache_put(c, "usage alpha", 8, "application/json", "{}", 2); /* replaces version 7 */
    assert_false(cache_get(c, "usage alpha", 7, &out, &type));
    assert_true(cache_get(c, "usage alpha", 8, &out, &type));
    assert_int_equal(cache_bytes(c), strlen("usage alpha") + 1 + 2);
    long hits, misses;
    cache_counts(c, &hits, &misses);
    assert_int_equal(hits, 2);
    assert_int_equal(misses, 4);
    sb_free(&out);
    cache_free(c);
}

static void test_stays_within_its_budget(void **state)
{
    (void)state;
    struct cache *c = cache_new(10000);
    char key[32], body[1000];
    memset(body, 'x', sizeof body);
    int kept = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cache_put(c, key, 1, "text/csv", body, sizeof body);
        assert_true(cache_bytes(c) <= 10000);
    }
    struct strbuf out = STRBUF_INIT;
    const char *type;
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        kept += cache_get(c, key, 1, &out, &type);
    }
    assert_int_equal(kept, 9); /* 9 x (1000 + 3 or 4) bytes fit in 10,000 */
    assert_int_equal(out.len, 9 * 1000);
    cache_put(c, "big", 1, "text/csv", body, sizeof body); /* does not fit: not kept */
    assert_false(cache_get(c, "big", 1, &out, &type));
    sb_free(&out);
    cache_free(c);
}

static void test_disabled_cache_misses(void **state)
{
    (void)state;
    struct cache *c = cache_new(0);
    assert_null(c);
    struct strbuf out = STRBUF_INIT;
    const char *type;
    cache_put(c, "k", 1, "text/csv", "x", 1);
    assert_false(cache_get(c, "k", 1, &out, &type));
    assert_int_equal(cache_bytes(c), 0);
}

struct worker {
    struct cache *c;
    int id, wrong;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    struct strbuf out = STRBUF_INIT;
    char key[32], body[64];
    const char *type;
    for (int i = 0; i < 20000; i++) {
        int k = i % 500;
        snprintf(key, sizeof key, "k%d", k);
        snprintf(body, sizeof body, "body of %d", k);
        sb_reset(&out);
        if (cache_get(w->c, key, k, &out, &type))
            w->wrong += strcmp(sb_str(&out), body) != 0;
        else
            cache_put(w->c, key, k, "text/csv", body, strlen(body));
    }
    sb_free(&out);
    return NULL;
}

static void test_threads_never_see_another_entry(void **state)
{
    (void)state;
    struct cache *c = cache_new(1 << 20);
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){c, i, 0};
        pthread_create(&t[i], NULL, hammer, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].wrong, 0);
    }
    long hits, misses;
    cache_counts(c, &hits, &misses);
    assert_int_equal(hits + misses, 4 * 20000);
    assert_true(hits > 4 * 20000 / 2);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_only_on_key_and_version),
        cmocka_unit_test(test_invalidate_forgets_everything),
        cmocka_unit_test(test_stays_within_its_budget),
        cmocka_unit_test(test_disabled_cache_misses),
        cmocka_unit_test(test_threads_never_see_another_entry),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
