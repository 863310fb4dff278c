/* CLI: option tables parse what they declare and reject the rest with the
 * usage exit code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *name;
static long long count;
static bool flag;
static const char *note, *actor;
static const struct cli_opt opts[] = {
    {"name", CLI_STR, &name, "NAME", "a name", 0, 0},
    {"note", CLI_TEXT, &note, "TEXT", "a note", 0, 0},
    {"actor", CLI_TEXT, &actor, "NAME", "an actor", 0, CLI_ACTOR_MAX},
    {"count", CLI_INT, &count, "N", "a count", 1, 10},
    {"flag", CLI_BOOL, &flag, NULL, "a flag", 0, 0},
    {0},
};
static const struct cli_spec spec = {"test [options] [ARG]", "Test.", opts, 0, 1};

static enum cli_result parse(int argc, char **argv, int *npos)
{
    name = note = actor = NULL;
    count = 0;
    flag = false;
    return cli_parse(&spec, argc, argv, npos);
}

static void test_parses_declared_options(void **state)
{
    (void)state;
    char *argv[] = {"test", "--name", "alpha", "--count=3", "--flag", "pos", NULL};
    int npos = -1;
    assert_int_equal(parse(6, argv, &npos), CLI_OK);
    assert_string_equal(name, "alpha");
    assert_int_equal(count, 3);
    assert_true(flag);
    assert_int_equal(npos, 1);
    assert_string_equal(argv[1], "pos");
}

static void test_rejects_bad_usage(void **state)
{
    (void)state;
    int npos;
    char *unknown[] = {"test", "--bogus", NULL};
    char *missing[] = {"test", "--name", NULL};
    char *range[] = {"test", "--count", "11", NULL};
    char *notnum[] = {"test", "--count", "3x", NULL};
    char *flagval[] = {"test", "--flag=yes", NULL};
    char *extra[] = {"test", "a", "b", NULL};
    char *shortopt[] = {"test", "-x", NULL};
    assert_int_equal(parse(2, unknown, &npos), CLI_BAD);
    assert_int_equal(parse(2, missing, &npos), CLI_BAD);
    assert_int_equal(parse(3, range, &npos), CLI_BAD);
    assert_int_equal(parse(3, notnum, &npos), CLI_BAD);
    assert_int_equal(parse(2, flagval, &npos), CLI_BAD);
    assert_int_equal(parse(3, extra, &npos), CLI_BAD);
    assert_int_equal(parse(2, shortopt, &npos), CLI_BAD);
    assert_int_equal(cli_exit_code(CLI_BAD), 2);
}

/* A second value would silently win: refused, whichever the option's type
 * and spelling (--x v or --x=v). */
static void test_refuses_repeats(void **state)
{
    (void)state;
    int npos;
    char *str[] = {"test", "--name", "a", "--name=b", NULL};
    char *num[] = {"test", "--count", "1", "--count", "2", NULL};
    char *flg[] = {"test", "--flag", "--flag", NULL};
    char *once[] = {"test", "--name", "a", "--count", "2", "--flag", NULL};
    assert_int_equal(parse(4, str, &npos), CLI_BAD);
    assert_int_equal(parse(5, num, &npos), CLI_BAD);
    assert_int_equal(parse(3, flg, &npos), CLI_BAD);
    assert_int_equal(parse(6, once, &npos), CLI_OK);
}

static enum cli_result text(const char *opt, const char *value)
{
    char *argv[] = {"test", (char *)opt, (char *)value, NULL};
    int npos;
    return parse(3, argv, &npos);
}

/* Text for the record: code points, not bytes; never blank or unsafe. */
static void test_text_rule(void **state)
{
    (void)state;
    char cjk[256 * 3 + 4] = "", long_actor[80] = "";
    for (int i = 0; i < 256; i++)
        strcat(cjk, "\xe5\xad\x97"); /* 字 */
    assert_int_equal(text("--note", cjk), CLI_OK);
    assert_int_equal(text("--actor", "Zhang San"), CLI_OK);
    assert_string_equal(actor, "Zhang San");
    strcat(cjk, "\xe5\xad\x97");
    assert_int_equal(text("--note", cjk), CLI_BAD); /* 257 characters */
    memset(long_actor, 'a', 65);
    assert_int_equal(text("--actor", long_actor), CLI_BAD);
    long_actor[64] = '\0';
    assert_int_equal(text("--actor", long_actor), CLI_OK);
    const char *bad[] = {"", " ", "\xe2\x80\x8b", "\xe3\x80\x80 \xc2\xa0", "ev\xe2\x80\xaeil",
                         "a\nb", "\xff", "a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (text("--note", bad[i]) != CLI_BAD) fail_msg("--note bad[%zu] was taken", i);
        if (text("--actor", bad[i]) != CLI_BAD) fail_msg("--actor bad[%zu] was taken", i);
    }
}

static void test_help_exits_zero(void **state)
{
    (void)state;
    int npos;
    char *argv[] = {"test", "--help", NULL};
    assert_int_equal(parse(2, argv, &npos), CLI_HELP);
    assert_int_equal(cli_exit_code(CLI_HELP), 0);
}

static int ran;
static int run_sub(int argc, char **argv)
{
    (void)argv;
    ran = argc;
    return 7;
}

static void test_dispatch(void **state)
{
    (void)state;
    const struct cli_command cmds[] = {{"sub", run_sub, "a sub", NULL}, {NULL, NULL, NULL, NULL}};
    char *ok[] = {"fam", "sub", "x", NULL};
    char *unknown[] = {"fam", "nope", NULL};
    char *none[] = {"fam", NULL};
    assert_int_equal(cli_dispatch("fam", cmds, 3, ok), 7);
    assert_int_equal(ran, 2);
    assert_int_equal(cli_dispatch("fam", cmds, 2, unknown), 2);
    assert_int_equal(cli_dispatch("fam", cmds, 1, none), 2);
}

/* The placeholder is the rule: a month, a day, one of the choices. */
static void test_values_by_placeholder(void **state)
{
    (void)state;
    char why[120];
    assert_null(cli_value_problem("YYYY-MM", "2026-12", why, sizeof why));
    assert_string_equal(cli_value_problem("YYYY-MM", "2026-13", why, sizeof why),
                        "month 13 is not 01..12");
    assert_string_equal(cli_value_problem("YYYY-MM", "2026-00", why, sizeof why),
                        "month 0 is not 01..12");
    assert_string_equal(cli_value_problem("YYYY-MM", "2026-1", why, sizeof why),
                        "not in the form YYYY-MM");
    assert_string_equal(cli_value_problem("YYYY-MM", "1969-12", why, sizeof why),
                        "year 1969 is before 1970");
    assert_null(cli_value_problem("YYYY-MM-DD", "2028-02-29", why, sizeof why));
    assert_string_equal(cli_value_problem("YYYY-MM-DD", "2026-02-30", why, sizeof why),
                        "day 30 is not 01..28 in 2026-02");
    assert_string_equal(cli_value_problem("YYYY-MM-DD", "2026-02", why, sizeof why),
                        "not in the form YYYY-MM-DD");
    assert_null(cli_value_problem("text|json|csv", "json", why, sizeof why));
    assert_string_equal(cli_value_problem("text|json|csv", "jso", why, sizeof why),
                        "not one of the choices");
    assert_string_equal(cli_value_problem("text|json|csv", "", why, sizeof why),
                        "not one of the choices");
    assert_null(cli_value_problem("CODE", "anything", why, sizeof why)); /* no rule */
    assert_null(cli_value_problem("A|B|..", "x", why, sizeof why)); /* not words: no rule */
}

static const char *month, *day, *format;
static const struct cli_opt typed_opts[] = {
    {"period", CLI_STR, &month, "YYYY-MM", "a month", 0, 0},
    {"at", CLI_STR, &day, "YYYY-MM-DD", "a day", 0, 0},
    {"format", CLI_STR, &format, "text|json", "a format", 0, 0},
    {0},
};
static const struct cli_spec typed = {"typed [options]", "Typed.", typed_opts, 0, 0};

static void test_parse_checks_typed_values(void **state)
{
    (void)state;
    int npos;
    char *good[] = {"typed", "--period", "2026-10", "--at=2026-10-31", "--format", "json", NULL};
    assert_int_equal(cli_parse(&typed, 6, good, &npos), CLI_OK);
    assert_string_equal(month, "2026-10");
    assert_string_equal(day, "2026-10-31");
    assert_string_equal(format, "json");
    char *bad_month[] = {"typed", "--period", "2026-13", NULL};
    char *bad_day[] = {"typed", "--at", "2026-11-31", NULL};
    char *bad_format[] = {"typed", "--format=xml", NULL};
    assert_int_equal(cli_parse(&typed, 3, bad_month, &npos), CLI_BAD);
    assert_int_equal(cli_parse(&typed, 3, bad_day, &npos), CLI_BAD);
    assert_int_equal(cli_parse(&typed, 2, bad_format, &npos), CLI_BAD);
}

static int nothing(int argc, char **argv)
{
    (void)argc, (void)argv;
    return 0;
}
static const struct cli_command inner[] = {
    {"run", nothing, "run it", NULL}, {"list", nothing, "list them", NULL},
    {NULL, NULL, NULL, NULL}};
static const struct cli_command *inner_commands(void)
{
    return inner;
}

/* A family's subcommands are listed under it from the table it dispatches
 * through. */
static void test_lists_subcommands(void **state)
{
    (void)state;
    const struct cli_command cmds[] = {{"fam", nothing, "a family", inner_commands},
                                       {"one", nothing, "a single command", NULL},
                                       {NULL, NULL, NULL, NULL}};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cli_list_commands("top", cmds, out);
    fclose(out);
    assert_string_equal(buf, "usage: top <command> [options]\n\ncommands:\n"
                             "  fam          a family\n"
                             "                 run, list\n"
                             "  one          a single command\n"
                             "\nRun \"top help <command>\" for a command's subcommands or "
                             "options.\n");
    free(buf);
}

/* A value is shown as typed, all but printable ASCII as \xNN, 64 bytes. */
static void test_show_value(void **state)
{
    (void)state;
    char shown[CLI_SHOWN_MAX], long_value[100];
    cli_show_value("2026-13", shown);
    assert_string_equal(shown, "2026-13");
    cli_show_value("a\x1b[2J\xe4\xb8\xad", shown);
    assert_string_equal(shown, "a\\x1b[2J\\xe4\\xb8\\xad");
    memset(long_value, 'x', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    cli_show_value(long_value, shown);
    assert_int_equal(strlen(shown), 64);
    memset(long_value, '\x01', sizeof long_value - 1);
    cli_show_value(long_value, shown); /* the longest it can be */
    assert_int_equal(strlen(shown), CLI_SHOWN_MAX - 1);
}

/* Each name over its column; the rows' own words blanked. */
static void test_list_header(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cli_list_header(out, "%-6s %4s due %s%%\n", (const char *const[]){"AB", "N", "C", NULL});
    fclose(out);
    assert_string_equal(buf, "AB        N     C \n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_declared_options),
        cmocka_unit_test(test_rejects_bad_usage),
        cmocka_unit_test(test_refuses_repeats),
        cmocka_unit_test(test_text_rule),
        cmocka_unit_test(test_help_exits_zero),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_values_by_placeholder),
        cmocka_unit_test(test_parse_checks_typed_values),
        cmocka_unit_test(test_lists_subcommands),
        cmocka_unit_test(test_list_header),
        cmocka_unit_test(test_show_value),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
