/* suggest: the Damerau-Levenshtein distance and "did you mean": exact
 * suggestions, none when too far, none on a tie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/suggest.h"

#include <stdint.h>
#include <string.h>

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("", ""), 0);
    assert_int_equal(suggest_distance("alpha", "alpha"), 0);
    assert_int_equal(suggest_distance("", "abc"), 3);
    assert_int_equal(suggest_distance("statment", "statement"), 1); /* insert */
    assert_int_equal(suggest_distance("isue", "issue"), 1);
    assert_int_equal(suggest_distance("alhpa", "alpha"), 1);  /* one swap, not two substitutions */
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(suggest_distance("ca", "abc"), 3); /* OSA: no edit of a swapped pair */
    assert_int_equal(suggest_distance("perod", "period"), 1);
    char longer[SUGGEST_MAX_LEN + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_true(suggest_distance(longer, "a") == SIZE_MAX);
}

static void test_suggests_closest_within_limit(void **state)
{
    (void)state;
    const char *commands[] = {"invoice", "statement", "serve", "rate", "rerate", NULL};
    assert_string_equal(suggest_among("statment", commands), "statement");
    assert_string_equal(suggest_among("invoce", commands), "invoice");
    const char *subs[] = {"run", "list", "show", "issue", "void", "fapiao", "export", NULL};
    assert_string_equal(suggest_among("isue", subs), "issue");
    const char *customers[] = {"alpha", "beta", "gamma", NULL};
    assert_string_equal(suggest_among("alhpa", customers), "alpha");
    assert_string_equal(suggest_among("gama", customers), "gamma");
    /* the closest wins over one also within the limit */
    assert_string_equal(suggest_among("abcdefgx", (const char *[]){"abcdefyy", "abcdefgh", NULL}),
                        "abcdefgh");
}

static void test_no_suggestion_when_too_far(void **state)
{
    (void)state;
    const char *commands[] = {"invoice", "statement", "serve", NULL};
    assert_null(suggest_among("nonsense", commands));
    /* a 5-letter word allows 1 edit: two are too many */
    assert_null(suggest_among("abcde", (const char *[]){"abxye", NULL}));
    /* short words still allow one edit, never two */
    assert_string_equal(suggest_among("rn", (const char *[]){"run", NULL}), "run");
    assert_null(suggest_among("r", (const char *[]){"run", NULL}));
    assert_null(suggest_among("x", (const char *[]){NULL}));
}

static void test_tie_suggests_nothing(void **state)
{
    (void)state;
    /* "rat" is one edit from both "rate" and "cat": no guess between them */
    assert_null(suggest_among("rat", (const char *[]){"rate", "cat", NULL}));
    /* the same candidate offered twice is not a tie */
    assert_string_equal(suggest_among("rat", (const char *[]){"rate", "rate", NULL}), "rate");
    /* a closer candidate after a tie breaks it */
    struct suggest s;
    suggest_init(&s, "abcdefghi");
    suggest_offer(&s, "abcdefgxx");
    suggest_offer(&s, "abcdefgyy");
    assert_null(suggest_result(&s));
    suggest_offer(&s, "abcdefghx");
    assert_string_equal(suggest_result(&s), "abcdefghx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_suggests_closest_within_limit),
        cmocka_unit_test(test_no_suggestion_when_too_far),
        cmocka_unit_test(test_tie_suggests_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
