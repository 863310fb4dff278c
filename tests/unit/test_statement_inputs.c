/* Statements' kept inputs (api/statement_inputs.h): a lookup hits only on
 * the customer, the month and both versions; an older read never replaces
 * a newer entry; the bound evicts the least recently used, never a new
 * entry that fits; an entry held by a request outlives its eviction (ASan
 * sees a use after free or a leak otherwise); threads share it safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "api/statement_inputs.h"

#include <pthread.h>
#include <stdio.h>

static struct store_month *month_of(int id)
{
    char ids[32];
    snprintf(ids, sizeof ids, "{%d}", id);
    return store_month_of_invoice(ids);
}

static const struct statement_balances some = {true, 10000, 250};

static size_t bytes_of(struct statement_inputs *c)
{
    size_t bytes, entries;
    long hits, misses;
    statement_inputs_counts(c, &bytes, &entries, &hits, &misses);
    return bytes;
}

/* The bytes one entry of the shape below takes. */
static size_t one_entry(void)
{
    struct statement_inputs *probe = statement_inputs_new(1 << 20);
    statement_inputs_put(probe, "c1", "2026-10", 1, 1, 0, month_of(1), some);
    size_t one = bytes_of(probe);
    statement_inputs_free(probe);
    return one;
}

static void test_hit_only_on_customer_month_and_versions(void **state)
{
    (void)state;
    struct statement_inputs *c = statement_inputs_new(1 << 20);
    assert_null(statement_inputs_get(c, "alpha", "2026-10", 3, 7));
    struct store_month *m = month_of(1);
    statement_inputs_put(c, "alpha", "2026-10", 3, 7, 0, m, some);
    const struct statement_entry *e = statement_inputs_get(c, "alpha", "2026-10", 3, 7);
    assert_non_null(e);
    assert_ptr_equal(e->month, m);
    assert_true(e->balances.known);
    assert_int_equal(e->balances.deposit_held, 10000);
    assert_int_equal(e->balances.prepaid, 250);
    statement_inputs_release(c, e);
    assert_null(statement_inputs_get(c, "alpha", "2026-10", 4, 7)); /* its usage moved */
    assert_null(statement_inputs_get(c, "alpha", "2026-10", 3, 8)); /* a document, a ledger */
    assert_null(statement_inputs_get(c, "alpha", "2026-11", 3, 7));
    assert_null(statement_inputs_get(c, "beta", "2026-10", 3, 7));
    assert_null(statement_inputs_get(c, "alph", "a\n2026-10", 3, 7)); /* keys do not run together */
    size_t bytes, entries;
    long hits, misses;
    statement_inputs_counts(c, &bytes, &entries, &hits, &misses);
    assert_int_equal(entries, 1);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 6);
    statement_inputs_free(c);
}

static void test_newer_versions_replace_older_never_the_reverse(void **state)
{
    (void)state;
    struct statement_inputs *c = statement_inputs_new(1 << 20);
    statement_inputs_put(c, "alpha", "2026-10", 3, 7, 0, month_of(1), some);
    statement_inputs_put(c, "alpha", "2026-10", 3, 8, 0, month_of(2), some); /* replaces */
    assert_null(statement_inputs_get(c, "alpha", "2026-10", 3, 7));
    const struct statement_entry *e = statement_inputs_get(c, "alpha", "2026-10", 3, 8);
    assert_non_null(e);
    statement_inputs_release(c, e);
    /* a request that read before the last change puts last: kept is newer */
    statement_inputs_put(c, "alpha", "2026-10", 3, 7, 0, month_of(3), some);
    assert_null(statement_inputs_get(c, "alpha", "2026-10", 3, 7));
    assert_non_null(e = statement_inputs_get(c, "alpha", "2026-10", 3, 8));
    statement_inputs_release(c, e);
    size_t bytes, entries;
    long hits, misses;
    statement_inputs_counts(c, &bytes, &entries, &hits, &misses);
    assert_int_equal(entries, 1);
    statement_inputs_free(c);
}

static void test_bound_evicts_least_recently_used(void **state)
{
    (void)state;
    size_t one = one_entry(); /* every entry below is this size */
    struct statement_inputs *c = statement_inputs_new(2 * one + one / 2); /* room for two */
    statement_inputs_put(c, "c1", "2026-10", 1, 1, 0, month_of(1), some);
    statement_inputs_put(c, "c2", "2026-10", 1, 1, 0, month_of(2), some);
    const struct statement_entry *e = statement_inputs_get(c, "c1", "2026-10", 1, 1);
    assert_non_null(e); /* c1 used last: c2 is the least recently used */
    statement_inputs_release(c, e);
    statement_inputs_put(c, "c3", "2026-10", 1, 1, 0, month_of(3), some);
    assert_null(statement_inputs_get(c, "c2", "2026-10", 1, 1));
    assert_non_null(e = statement_inputs_get(c, "c1", "2026-10", 1, 1));
    statement_inputs_release(c, e);
    assert_non_null(e = statement_inputs_get(c, "c3", "2026-10", 1, 1)); /* the new one is kept */
    statement_inputs_release(c, e);
    assert_int_equal(bytes_of(c), 2 * one);
    statement_inputs_free(c);
    /* an entry larger than the whole bound is not kept, and nothing leaks */
    c = statement_inputs_new(one / 2);
    statement_inputs_put(c, "c1", "2026-10", 1, 1, 0, month_of(1), some);
    assert_null(statement_inputs_get(c, "c1", "2026-10", 1, 1));
    assert_int_equal(bytes_of(c), 0);
    statement_inputs_free(c);
}

static void test_held_entry_outlives_eviction(void **state)
{
    (void)state;
    size_t one = one_entry();
    struct statement_inputs *c = statement_inputs_new(one + one / 2); /* room for one */
    statement_inputs_put(c, "c1", "2026-10", 1, 1, 0, month_of(1), some);
    const struct statement_entry *held = statement_inputs_get(c, "c1", "2026-10", 1, 1);
    assert_non_null(held);
    statement_inputs_put(c, "c2", "2026-10", 1, 1, 0, month_of(2), some); /* evicts c1 */
    assert_null(statement_inputs_get(c, "c1", "2026-10", 1, 1));
    assert_true(store_month_keepable(held->month)); /* still there for its request */
    assert_int_equal(held->balances.deposit_held, 10000);
    statement_inputs_release(c, held); /* the last reference frees it */
    statement_inputs_free(c);
}

/* After a reconnect (a failover may reach a server whose versions are
 * another's): nothing kept is found, a month read before it is not kept,
 * one read after it is, and an entry a request holds stays valid. */
static void test_invalidate_forgets_and_refuses_older_reads(void **state)
{
    (void)state;
    struct statement_inputs *c = statement_inputs_new(1 << 20);
    uint64_t before = statement_inputs_generation(c);
    statement_inputs_put(c, "c1", "2026-10", 1, 1, before, month_of(1), some);
    const struct statement_entry *held = statement_inputs_get(c, "c1", "2026-10", 1, 1);
    assert_non_null(held);
    statement_inputs_invalidate(c);
    uint64_t after = statement_inputs_generation(c);
    assert_true(after != before);
    assert_null(statement_inputs_get(c, "c1", "2026-10", 1, 1));
    assert_int_equal(bytes_of(c), 0);
    assert_int_equal(held->balances.deposit_held, 10000); /* still its request's */
    statement_inputs_release(c, held);
    statement_inputs_put(c, "c2", "2026-10", 1, 1, before, month_of(2), some); /* read before */
    assert_null(statement_inputs_get(c, "c2", "2026-10", 1, 1));
    statement_inputs_put(c, "c2", "2026-10", 1, 1, after, month_of(3), some);
    const struct statement_entry *e = statement_inputs_get(c, "c2", "2026-10", 1, 1);
    assert_non_null(e);
    statement_inputs_release(c, e);
    statement_inputs_free(c);
    statement_inputs_invalidate(NULL); /* off: nothing to do */
    assert_int_equal(statement_inputs_generation(NULL), 0);
}

static void test_off_keeps_nothing(void **state)
{
    (void)state;
    struct statement_inputs *c = statement_inputs_new(0);
    assert_null(c);
    statement_inputs_put(c, "c1", "2026-10", 1, 1, 0, month_of(1), some); /* freed at once */
    assert_null(statement_inputs_get(c, "c1", "2026-10", 1, 1));
    statement_inputs_release(c, NULL);
    statement_inputs_free(c);
}

struct worker {
    struct statement_inputs *c;
    int id;
    long found;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char customer[16];
    for (int i = 0; i < 4000; i++) {
        snprintf(customer, sizeof customer, "c%d", (i * 7 + w->id) % 64);
        const struct statement_entry *e = statement_inputs_get(w->c, customer, "2026-10", 1, 1);
        if (e) {
            w->found += e->balances.deposit_held == 10000;
            statement_inputs_release(w->c, e);
        } else {
            statement_inputs_put(w->c, customer, "2026-10", 1, 1, 0, month_of(i), some);
        }
    }
    return NULL;
}

static void test_threads_share_it(void **state)
{
    (void)state;
    size_t one = one_entry();
    struct statement_inputs *c = statement_inputs_new(16 * one); /* 64 customers, room for 16 */
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){c, i, 0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    long found = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        found += w[i].found;
    }
    assert_true(found > 0);
    assert_true(bytes_of(c) <= 16 * one);
    statement_inputs_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_only_on_customer_month_and_versions),
        cmocka_unit_test(test_newer_versions_replace_older_never_the_reverse),
        cmocka_unit_test(test_bound_evicts_least_recently_used),
        cmocka_unit_test(test_held_entry_outlives_eviction),
        cmocka_unit_test(test_invalidate_forgets_and_refuses_older_reads),
        cmocka_unit_test(test_off_keeps_nothing),
        cmocka_unit_test(test_threads_share_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
