/* Meter registry (core/meter.h): every row complete, codes, document names
 * and bits unique, the lists in error messages naming exactly the rows, and
 * the lookups finding each row by code, document name and bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/meter.h"
#include "core/strbuf.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_text(const char *what, const char *s)
{
    if (!s || !s[0]) fail_msg("expected %s to be set, got %s", what, s ? "\"\"" : "NULL");
}

static void test_every_row_is_complete(void **state)
{
    (void)state;
    for (int m = 0; m < METER_COUNT; m++) {
        const struct meter *r = &meter_rows[m];
        char what[64];
        snprintf(what, sizeof what, "row %d", m);
        expect_text(what, r->code);
        expect_text(r->code, r->doc);
        expect_text(r->code, r->units.base_unit);
        expect_text(r->code, r->units.price_unit);
        expect_text(r->code, r->units.label_zh);
        expect_text(r->code, r->units.label_en);
        expect_text(r->code, r->units.readable);
        expect_text(r->code, r->name_zh);
        expect_text(r->code, r->name_en);
        expect_text(r->code, r->focus_service);
        expect_text(r->code, r->focus_category);
        expect_text(r->code, r->focus_unit);
        if (r->units.per_price <= 0)
            fail_msg("expected %s's units per price above 0, got %lld", r->code,
                     (long long)r->units.per_price);
        if (r->max_per_window_ms && !(r->max_what && r->max_what[0]))
            fail_msg("expected %s's bound to say what it is, got none", r->code);
        if (r->bit == 0 || (r->bit & (r->bit - 1)))
            fail_msg("expected %s's bit to be one bit, got %u", r->code, r->bit);
        /* the code fits a bill line's meter and an event field name */
        if (strlen(r->code) > 15)
            fail_msg("expected %s's code to be at most 15 bytes, got %zu", r->code,
                     strlen(r->code));
        if (strlen(r->doc) > METER_NAME_MAX || strlen(r->code) > METER_NAME_MAX)
            fail_msg("expected %s's names to be at most %d bytes, got %zu and %zu", r->code,
                     METER_NAME_MAX, strlen(r->code), strlen(r->doc));
        if (meter_index(r) != m)
            fail_msg("expected %s at index %d, got %d", r->code, m, meter_index(r));
    }
}

static void test_codes_names_and_bits_are_unique(void **state)
{
    (void)state;
    for (int a = 0; a < METER_COUNT; a++)
        for (int b = a + 1; b < METER_COUNT; b++) {
            const struct meter *x = &meter_rows[a], *y = &meter_rows[b];
            if (!strcmp(x->code, y->code) || !strcmp(x->doc, y->doc) || x->bit == y->bit ||
                !strcmp(x->units.readable, y->units.readable) || !strcmp(x->code, y->doc) ||
                (strcmp(x->doc, x->code) && !strcmp(x->doc, y->code)))
                fail_msg("expected rows %s and %s to differ in code, document name, readable "
                         "name and bit, got a shared one",
                         x->code, y->code);
        }
}

static void test_lookups_find_every_row(void **state)
{
    (void)state;
    unsigned all = 0;
    for (int m = 0; m < METER_COUNT; m++) {
        const struct meter *r = &meter_rows[m];
        assert_ptr_equal(meter_find(r->code), r);
        assert_ptr_equal(meter_find_doc(r->doc), r);
        assert_ptr_equal(meter_units(r->code), &r->units);
        assert_int_equal(meter_bit(r->doc), r->bit);
        assert_int_equal(meter_bit_code(r->code), r->bit);
        assert_string_equal(meter_bit_name(r->bit), r->doc);
        all |= r->bit;
    }
    assert_int_equal(meter_bits_all(), all);
    assert_null(meter_find("gpu_hours")); /* a document name is not a code */
    assert_null(meter_units("watts"));
    assert_int_equal(meter_bit("gpu_ms"), 0);
    assert_string_equal(meter_bit_name(all + 1), "");
}

/* The lists error messages print name every row, in order. */
static void test_lists_name_every_row(void **state)
{
    (void)state;
    struct strbuf docs = {0}, codes = {0};
    for (int m = 0; m < METER_COUNT; m++) {
        const char *sep = m == 0 ? "" : m == METER_COUNT - 1 ? " or " : ", ";
        sb_printf(&docs, "%s\"%s\"", sep, meter_rows[m].doc);
        sb_printf(&codes, "%s%s", m ? ", " : "", meter_rows[m].code);
    }
    assert_string_equal(meter_doc_list(), docs.buf);
    assert_string_equal(meter_code_list(), codes.buf);
    sb_free(&docs);
    sb_free(&codes);
}

/* The new meter's row as docs/collectors.md and docs/plans.md state it. */
static void test_gpu_memory_row(void **state)
{
    (void)state;
    const struct meter *r = meter_find("gpu_mem_gib_ms");
    assert_non_null(r);
    assert_ptr_equal(r, &meter_rows[METER_GPU_MEM]);
    assert_string_equal(r->doc, "gpu_mem_gib_hours");
    assert_int_equal(r->units.per_price, 3600000); /* GiB-ms in a GiB-hour */
    assert_string_equal(r->units.label_zh, "GiB时");
    assert_string_equal(r->name_zh, "显存");
    assert_int_equal(r->pricing, METER_PRICED_FLAT);
    assert_false(r->by_model_size);
}

/* One truth: the schema's `meter` rows (INSERT INTO meter ... in every
 * migration, read from the repository: tests run from its root) are the
 * registry's, code, units and units per price. */
static void test_schema_rows_are_the_registry(void **state)
{
    (void)state;
    static const char head[] = "INSERT INTO meter (code, base_unit, price_unit, units_per_price) VALUES";
    glob_t g;
    assert_int_equal(glob("schema/[0-9]*_*.sql", 0, NULL, &g), 0);
    int found[METER_COUNT] = {0}, rows = 0;
    for (size_t f = 0; f < g.gl_pathc; f++) {
        FILE *in = fopen(g.gl_pathv[f], "r");
        assert_non_null(in);
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text - 1, in);
        fclose(in);
        text[n] = '\0';
        for (char *p = strstr(text, head); p; p = strstr(p, head)) {
            p += sizeof head - 1;
            char *end = strchr(p, ';');
            assert_non_null(end);
            char code[64], base[64], price[64];
            long long per;
            int used;
            while (p < end && sscanf(p, " ('%63[^']', '%63[^']', '%63[^']', %lld)%n", code, base,
                                     price, &per, &used) == 4) {
                const struct meter *m = meter_find(code);
                rows++;
                if (!m) fail_msg("expected %s's meter %s in the registry, got none", g.gl_pathv[f], code);
                if (strcmp(m->units.base_unit, base) || strcmp(m->units.price_unit, price) ||
                    m->units.per_price != per)
                    fail_msg("expected %s as the registry has it (%s, %s, %lld), got (%s, %s, %lld) "
                             "in %s",
                             code, m->units.base_unit, m->units.price_unit,
                             (long long)m->units.per_price, base, price, per, g.gl_pathv[f]);
                found[meter_index(m)]++;
                p += used;
                p += strspn(p, ", \n");
            }
        }
    }
    globfree(&g);
    for (int m = 0; m < METER_COUNT; m++)
        if (found[m] != 1)
            fail_msg("expected one `meter` row for %s in schema/, got %d (add it in a migration)",
                     meter_rows[m].code, found[m]);
    assert_int_equal(rows, METER_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_is_complete),
        cmocka_unit_test(test_codes_names_and_bits_are_unique),
        cmocka_unit_test(test_lookups_find_every_row),
        cmocka_unit_test(test_lists_name_every_row),
        cmocka_unit_test(test_gpu_memory_row),
        cmocka_unit_test(test_schema_rows_are_the_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
