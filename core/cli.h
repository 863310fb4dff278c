/* cli: option tables that parse argv and generate their own usage text.
 *
 * Each command declares a `struct cli_spec` with a table of long options
 * (`--name VALUE`, `--name=VALUE`, or a bare `--flag`). cli_parse fills the
 * targets, leaves positional arguments at argv[1..npos], prints usage for
 * --help, and on any bad usage prints what was wrong plus the usage to
 * stderr. Exit codes follow git: bad usage is CLI_EXIT_USAGE (2).
 *
 * Every bad value is named with what was expected, in one shape:
 * `--period 2026-13: month 13 is not 01..12 (expected YYYY-MM)`. The
 * placeholder (struct cli_opt's arg) is the rule cli_parse checks, so the
 * usage cannot say one thing and the parser take another: "YYYY-MM" is a
 * month, "YYYY-MM-DD" a day, "a|b|c" one of those words; a CLI_INT is a
 * whole number within its bounds. An unknown option or command says
 * "did you mean" when one is close (suggest.h).
 *
 * cli_dispatch runs one entry of a subcommand table, git-style; it serves
 * both the top level (`gpumeter rate`) and families (`gpumeter invoice run`). Runs on the main
 * thread, before a command starts any other. */
#ifndef GPUMETER_CLI_H
#define GPUMETER_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define CLI_EXIT_USAGE 2

/* CLI_TEXT is a CLI_STR a person writes for a record (an actor, a note, a
 * reason): cli_text_ok's rule, at most `max` characters (0: CLI_TEXT_MAX). */
enum cli_type { CLI_BOOL, CLI_STR, CLI_INT, CLI_TEXT };

#define CLI_TEXT_MAX  256 /* characters (code points) of a note or reason */
#define CLI_ACTOR_MAX 64  /* characters of an actor */

struct cli_opt {
    const char *name; /* without the leading "--" */
    enum cli_type type;
    void *target;    /* bool *, const char **, long long * */
    const char *arg; /* placeholder shown in usage, NULL for CLI_BOOL; also the
                        rule for a CLI_STR's value: YYYY-MM, YYYY-MM-DD, a|b|c */
    const char *help;
    long long min, max; /* CLI_INT bounds, inclusive; ignored when both 0;
                           CLI_TEXT: max characters */
};

struct cli_spec {
    const char *usage;          /* e.g. "gpumeter rate [options]" */
    const char *summary;        /* one sentence */
    const struct cli_opt *opts; /* terminated by an entry with name NULL */
    int min_pos, max_pos;       /* allowed number of positional arguments */
};

enum cli_result { CLI_OK, CLI_HELP, CLI_BAD };

/* Each option may be given once: a repeat is bad usage naming it.
 * argv[0] is the command's own name. On CLI_OK, *npos positional arguments
 * stand at argv[1..*npos]. On CLI_HELP the caller exits 0; on CLI_BAD it exits
 * CLI_EXIT_USAGE (the message is already printed). */
enum cli_result cli_parse(const struct cli_spec *spec, int argc, char **argv, int *npos);
void cli_usage(const struct cli_spec *spec, FILE *out);

/* Whether text may be stored as option opt's value (e.g. "--actor"):
 * strict UTF-8, no control or bidirectional formatting character, not
 * blank (utf8_text_problem), 1 to max characters. False after printing
 * what was wrong (naming opt) and the usage. */
bool cli_text_ok(const struct cli_spec *spec, const char *opt, const char *text, size_t max);

/* Returns the exit code for a parse result that is not CLI_OK. */
int cli_exit_code(enum cli_result r);

/* An optional --period: its first day ("YYYY-MM-01") in first_day, or
 * NULL when period is NULL (checked by the caller). */
const char *cli_month_start(const char *period, char first_day[16]);

/* A required --period: "YYYY-MM" into its first day "YYYY-MM-01". False
 * after printing the error and usage (the command exits CLI_EXIT_USAGE). */
bool cli_period(const struct cli_spec *spec, const char *period, char first_day[16]);
/* An optional day option (--as-of): true when day is NULL or a real day
 * "YYYY-MM-DD"; else false after printing `--opt "value" is not a day
 * (YYYY-MM-DD)` and the usage (the command exits CLI_EXIT_USAGE). */
bool cli_day_ok(const struct cli_spec *spec, const char *opt, const char *day);
/* Whether s is a code (customer, contract, plan): 1 to 64 lower-case
 * letters, digits, '-' or '_'. */
bool cli_code_valid(const char *s);
/* cli_code_valid(code), else false after printing `--customer Alpha: not a
 * code (expected 1 to 64 of a-z, 0-9, - and _)` and the usage (the caller
 * exits CLI_EXIT_USAGE); opt is "--customer" or an argument's "CUSTOMER". */
bool cli_code_ok(const struct cli_spec *spec, const char *opt, const char *code);

/* What `--opt value` should have been, or NULL when the value passes the
 * placeholder's rule (above): `month 13 is not 01..12` into why. */
const char *cli_value_problem(const char *placeholder, const char *value, char *why, size_t n);
/* A value a person typed, as an error shows it: its first 64 bytes, every
 * one outside printable ASCII as \xNN (a control or bidirectional
 * character must not rewrite the line it is shown in). */
#define CLI_SHOWN_MAX (64 * 4 + 1)
void cli_show_value(const char *value, char shown[CLI_SHOWN_MAX]);
/* Prints `--opt value: why (expected placeholder)` and the usage; returns
 * CLI_EXIT_USAGE. The one shape of every bad value. */
int cli_bad_value(const struct cli_spec *spec, const char *opt, const char *value,
                  const char *why, const char *expected);

/* A subcommand; a family (invoice, plan) also gives subs, the table its run
 * dispatches through, so that `gpumeter help` lists the family's
 * subcommands from the very table that dispatches them. */
struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const struct cli_command *(*subs)(void); /* NULL for a single command */
};

/* argv[0] is the family's name ("gpumeter", "gpumeter invoice"), argv[1]
 * the command. Runs it with argv shifted by one; lists the commands for
 * "help", "--help" (stdout, exit 0) or a missing command (stderr, exit 2);
 * "help CMD [SUB]" is "CMD [SUB] --help". An unknown command is one error
 * line with "did you mean" when one is close, exit 2. */
int cli_dispatch(const char *family, const struct cli_command *cmds, int argc, char **argv);
/* A family whose command does nothing but dispatch: defines name_commands(),
 * its table (gpumeter.c's subs, so that help lists what dispatches), and
 * cmd_name(), which dispatches through it as family ("gpumeter invoice"). */
#define CLI_FAMILY(name, family, table)                                                            \
    const struct cli_command *name##_commands(void)                                                \
    {                                                                                              \
        return table;                                                                              \
    }                                                                                              \
    int cmd_##name(int argc, char **argv)                                                          \
    {                                                                                              \
        return cli_dispatch(family, table, argc, argv);                                            \
    }

/* The commands, one a line with their summaries; a family's line ends with
 * its subcommands' names. */
void cli_list_commands(const char *family, const struct cli_command *cmds, FILE *out);

/* Bad usage found after parsing: prints msg and the usage, returns
 * CLI_EXIT_USAGE for `return cli_usage_error(&spec, "...")`. */
int cli_usage_error(const struct cli_spec *spec, const char *msg);

/* A command's usual start: parse its command line (spec), then db_open
 * (db.h). NULL with the command's exit code in *exit_code when either fails. */
struct config;
typedef struct pg_conn PGconn;
/* Whether a command that acts now (sends reminders, posts to the ledger)
 * may judge day (a day, already checked, or NULL for now): not after
 * today in the default time zone, unless ahead (its --ahead, for a
 * simulation or the demo), since what it finds is sent and posted now and
 * cannot be taken back. Refused: the message naming the day and today,
 * the usage, false; a failed query is refused too. */
bool cli_day_not_ahead(PGconn *conn, const struct cli_spec *spec, const char *opt,
                       const char *day, bool ahead);
PGconn *cli_open_db(const struct cli_spec *spec, int argc, char **argv, struct config *cfg,
                    int *exit_code);

/* A list's header: the rows' printf format fmt (only %s conversions, with
 * flags and widths, and %%) printed with the column names (upper case, a
 * NULL-terminated array, one per %s), its literal words blanked, so that
 * each name stands over its column. Lists print it before their first row
 * and print nothing at all when there is no row (a script reading an empty
 * list still reads nothing). */
void cli_list_header(FILE *out, const char *fmt, const char *const *names);

/* A list command whole: cli_open_db, then sql (n params) with each row
 * printed through fmt, a printf format of one %s per column (at most 8),
 * under cli_list_header's header of names. Returns the command's exit
 * code. */
int cli_list(const struct cli_spec *spec, int argc, char **argv, const char *what, const char *sql,
             int n, const char *const *params, const char *fmt, const char *const *names);

#endif
