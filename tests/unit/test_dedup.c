/* Dedup windows: in-order, out-of-order, duplicates, and the bound on gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/dies.h"

#include "rating/dedup.h"

#include <stdlib.h>
#include <string.h>

static struct seq_window window(void)
{
    struct seq_window w;
    memset(&w, 0, sizeof w);
    w.source = "s";
    return w;
}

/* Offers seqs in order; returns how many were new. */
static int offer(struct dedup *d, struct seq_window *w, const int64_t *seqs, size_t n)
{
    int fresh = 0;
    for (size_t i = 0; i < n; i++)
        if (!dedup_seen(w, seqs[i])) {
            dedup_accept(d, w, seqs[i], "c");
            fresh++;
        }
    return fresh;
}

static void test_in_order_and_copies(void **state)
{
    (void)state;
    struct dedup d = {0};
    struct seq_window w = window();
    const int64_t seqs[] = {1, 2, 3, 3, 2, 4};
    assert_int_equal(offer(&d, &w, seqs, 6), 4);
    assert_int_equal(w.contiguous, 4);
    assert_int_equal(w.n - w.head, 0);
    free(w.above);
}

static void test_out_of_order_is_never_a_duplicate(void **state)
{
    (void)state;
    struct dedup d = {0};
    struct seq_window w = window();
    const int64_t seqs[] = {6, 7, 8, 9, 10, 1, 2, 3, 3, 4, 8, 5};
    assert_int_equal(offer(&d, &w, seqs, 12), 10);
    assert_int_equal(w.contiguous, 10);
    assert_int_equal(w.n - w.head, 0);
    const int64_t gap[] = {12, 14, 13};
    assert_int_equal(offer(&d, &w, gap, 3), 3);
    assert_int_equal(w.contiguous, 10); /* 11 still missing */
    assert_true(dedup_seen(&w, 13));
    assert_false(dedup_seen(&w, 11));
    const int64_t late[] = {11};
    assert_int_equal(offer(&d, &w, late, 1), 1);
    assert_int_equal(w.contiguous, 14);
    free(w.above);
}

static void test_a_gap_open_too_long_is_closed(void **state)
{
    (void)state;
    struct dedup d = {0};
    struct seq_window w = window();
    /* seq 1 never comes; 2 .. DEDUP_MAX_ABOVE + 2 do */
    for (int64_t s = 2; s <= DEDUP_MAX_ABOVE + 2; s++)
        dedup_accept(&d, &w, s, "c");
    assert_int_equal(d.gaps_closed, 1);
    assert_int_equal(w.contiguous, DEDUP_MAX_ABOVE + 2);
    assert_true(dedup_seen(&w, 1)); /* given up on: a late copy would be a duplicate */
    free(w.above);
}

/* A seq accepted twice would sit in the window twice and break its
 * order: dedup_accept asserts it was not seen (core/invariant.h). */
static void accept_twice(void)
{
    struct dedup d = {0};
    struct seq_window w = window();
    const int64_t seqs[] = {1, 3};
    offer(&d, &w, seqs, 2);
    dedup_accept(&d, &w, 3, "c");
}

static void test_accepting_a_seen_seq_aborts(void **state)
{
    (void)state;
    dies(accept_twice, "dedup_accept of a seq already in the window");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_and_copies),
        cmocka_unit_test(test_out_of_order_is_never_a_duplicate),
        cmocka_unit_test(test_a_gap_open_too_long_is_closed),
        cmocka_unit_test(test_accepting_a_seen_seq_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
