/* cli: table-driven option parsing and subcommand dispatch (see cli.h). */
#include "cli.h"

#include "db.h"
#include "invariant.h"
#include "log.h"
#include "timeutil.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_usage(const struct cli_spec *spec, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s\n", spec->usage, spec->summary);
    if (!spec->opts || !spec->opts[0].name) return;
    fputs("\noptions:\n", out);
    for (const struct cli_opt *o = spec->opts; o->name; o++) {
        char head[64];
        if (o->type == CLI_BOOL)
            snprintf(head, sizeof head, "--%s", o->name);
        else
            snprintf(head, sizeof head, "--%s %s", o->name, o->arg ? o->arg : "VALUE");
        fprintf(out, "  %-28s %s\n", head, o->help);
    }
    fprintf(out, "  %-28s %s\n", "--help", "show this help and exit");
}

static enum cli_result cli_bad(const struct cli_spec *spec, const char *fmt, const char *what)
{
    char msg[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(msg, sizeof msg, fmt, what); /* fmt: one of this file's literals */
#pragma GCC diagnostic pop
    log_error("%s", msg);
    cli_usage(spec, stderr);
    return CLI_BAD;
}

static const struct cli_opt *cli_find(const struct cli_spec *spec, const char *name, size_t len)
{
    for (const struct cli_opt *o = spec->opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    return NULL;
}

static bool cli_set_int(const struct cli_opt *o, const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return false;
    if ((o->min || o->max) && (v < o->min || v > o->max)) return false;
    *(long long *)o->target = v;
    return true;
}

bool cli_text_ok(const struct cli_spec *spec, const char *opt, const char *text, size_t max)
{
    char msg[200];
    size_t n = text ? strlen(text) : 0;
    const char *why = text ? utf8_text_problem(text, n) : "is required";
    if (!why && utf8_chars(text, n) > max) {
        snprintf(msg, sizeof msg, "%s is %zu characters long; at most %zu are allowed", opt,
                 utf8_chars(text, n), max);
        cli_usage_error(spec, msg);
        return false;
    }
    if (!why) return true;
    snprintf(msg, sizeof msg, "%s %s (it takes 1 to %zu printable characters)", opt, why, max);
    cli_usage_error(spec, msg);
    return false;
}

/* The options a command line gave so far: the table's index of each. */
#define CLI_MAX_OPTS 64

enum cli_result cli_parse(const struct cli_spec *spec, int argc, char **argv, int *npos)
{
    int pos = 0;
    bool seen[CLI_MAX_OPTS] = {false};
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            argv[1 + pos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_usage(spec, stdout);
            return CLI_HELP;
        }
        if (a[1] != '-') return cli_bad(spec, "unknown option \"%s\"", a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct cli_opt *o = cli_find(spec, name, len);
        if (!o) return cli_bad(spec, "unknown option \"%s\"", a);
        size_t idx = (size_t)(o - spec->opts);
        assert(idx < CLI_MAX_OPTS);
        /* The last of two would silently win: a typo'd re-run or a script
         * that appends would record something other than what was meant. */
        if (seen[idx]) return cli_bad(spec, "option \"--%s\" is given more than once", o->name);
        seen[idx] = true;
        if (o->type == CLI_BOOL) {
            if (eq) return cli_bad(spec, "option \"--%s\" takes no value", o->name);
            *(bool *)o->target = true;
            continue;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) return cli_bad(spec, "option \"--%s\" needs a value", o->name);
        if (o->type == CLI_TEXT) {
            char opt[80];
            snprintf(opt, sizeof opt, "--%s", o->name);
            if (!cli_text_ok(spec, opt, val, o->max ? (size_t)o->max : CLI_TEXT_MAX))
                return CLI_BAD;
            *(const char **)o->target = val;
        } else if (o->type == CLI_STR)
            *(const char **)o->target = val;
        else if (!cli_set_int(o, val))
            return cli_bad(spec, "option \"--%s\" needs a whole number in its range", o->name);
    }
    if (pos < spec->min_pos) return cli_bad(spec, "%s", "missing argument");
    if (pos > spec->max_pos)
        return cli_bad(spec, "unexpected argument \"%s\"", argv[1 + spec->max_pos]);
    *npos = pos;
    return CLI_OK;
}

int cli_exit_code(enum cli_result r)
{
    return r == CLI_HELP ? 0 : CLI_EXIT_USAGE;
}

void cli_list_commands(const char *family, const struct cli_command *cmds, FILE *out)
{
    fprintf(out, "usage: %s <command> [options]\n\ncommands:\n", family);
    for (const struct cli_command *c = cmds; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun \"%s <command> --help\" for a command's options.\n", family);
}

int cli_dispatch(const char *family, const struct cli_command *cmds, int argc, char **argv)
{
    if (argc < 2) {
        cli_list_commands(family, cmds, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        if (argc > 2) {
            for (const struct cli_command *c = cmds; c->name; c++) {
                if (strcmp(c->name, argv[2]) == 0) {
                    char *help_argv[] = {argv[2], "--help", NULL};
                    return c->run(2, help_argv);
                }
            }
        }
        cli_list_commands(family, cmds, stdout);
        return 0;
    }
    for (const struct cli_command *c = cmds; c->name; c++)
        if (strcmp(c->name, name) == 0) return c->run(argc - 1, argv + 1);
    log_error("unknown command \"%s\"", name);
    cli_list_commands(family, cmds, stderr);
    return CLI_EXIT_USAGE;
}

bool cli_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

bool cli_period(const struct cli_spec *spec, const char *period, char first_day[16])
{
    int y, m;
    if (period && time_parse_month(period, &y, &m)) {
        time_month_first_day(period, first_day);
        return true;
    }
    if (period) log_error("--period \"%.32s\" is not a month (YYYY-MM)", period);
    else log_error("--period YYYY-MM is required");
    cli_usage(spec, stderr);
    return false;
}

bool cli_day_ok(const struct cli_spec *spec, const char *opt, const char *day)
{
    int64_t days;
    if (!day || time_parse_date(day, &days)) return true;
    log_error("--%s \"%.32s\" is not a day (YYYY-MM-DD)", opt, day);
    cli_usage(spec, stderr);
    return false;
}

bool cli_day_not_ahead(PGconn *conn, const struct cli_spec *spec, const char *opt,
                       const char *day, bool ahead)
{
    if (!day || ahead) return true;
    const char *p[] = {day};
    PGresult *res = db_query(conn, "read today",
                             "SELECT (now() AT TIME ZONE default_time_zone())::date::text, "
                             "       $1::date > (now() AT TIME ZONE default_time_zone())::date",
                             1, p);
    bool later = !res || !strcmp(PQgetvalue(res, 0, 1), "t");
    if (res && later)
        log_error("--%s %s is after today (%s): what this finds is sent and posted now; give "
                  "--ahead to act on a day to come (a simulation)",
                  opt, day, PQgetvalue(res, 0, 0));
    PQclear(res);
    if (later) cli_usage(spec, stderr);
    return !later;
}

const char *cli_month_start(const char *period, char first_day[16])
{
    if (!period) return NULL;
    time_month_first_day(period, first_day);
    return first_day;
}

PGconn *cli_open_db(const struct cli_spec *spec, int argc, char **argv, struct config *cfg,
                    int *exit_code)
{
    int npos;
    enum cli_result r = cli_parse(spec, argc, argv, &npos);
    if (r != CLI_OK) {
        *exit_code = cli_exit_code(r);
        return NULL;
    }
    return db_open(cfg, exit_code);
}

int cli_list(const struct cli_spec *spec, int argc, char **argv, const char *what, const char *sql,
             int n, const char *const *params, const char *fmt)
{
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    PGresult *res = db_query(conn, what, sql, n, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *v[8] = {""};
        for (int k = 0; k < PQnfields(res) && k < 8; k++)
            v[k] = PQgetvalue(res, i, k);
        printf(fmt, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }
    rc = res ? 0 : 1;
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int cli_usage_error(const struct cli_spec *spec, const char *msg)
{
    log_error("%s", msg);
    cli_usage(spec, stderr);
    return CLI_EXIT_USAGE;
}
