/* cli: table-driven option parsing and subcommand dispatch (see cli.h). */
#include "cli.h"

#include "db.h"
#include "invariant.h"
#include "log.h"
#include "suggest.h"
#include "timeutil.h"
#include "utf8.h"

#include <ctype.h>
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

/* NULL when s is a whole number within o's bounds (stored), else why not;
 * expected gets what it should have been. */
static const char *cli_set_int(const struct cli_opt *o, const char *s, char *expected, size_t n)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    bool bounded = o->min || o->max;
    if (bounded) snprintf(expected, n, "a whole number from %lld to %lld", o->min, o->max);
    else snprintf(expected, n, "a whole number");
    if (errno == ERANGE) return "out of range";
    if (end == s || *end) return "not a whole number";
    if (bounded && (v < o->min || v > o->max)) return "out of range";
    *(long long *)o->target = v;
    return NULL;
}

/* A placeholder "a|b|c" of lower-case words: the value must be one. */
static bool cli_is_choice(const char *placeholder)
{
    size_t n = strlen(placeholder);
    return strchr(placeholder, '|') &&
           strspn(placeholder, "abcdefghijklmnopqrstuvwxyz0123456789-_|") == n;
}

const char *cli_value_problem(const char *placeholder, const char *value, char *why, size_t n)
{
    if (!placeholder) return NULL;
    if (!strcmp(placeholder, "YYYY-MM")) return time_month_problem(value, why, n);
    if (!strcmp(placeholder, "YYYY-MM-DD")) return time_date_problem(value, why, n);
    if (!cli_is_choice(placeholder)) return NULL;
    size_t len = strlen(value);
    for (const char *p = placeholder; *p;) {
        size_t w = strcspn(p, "|");
        if (w == len && !strncmp(p, value, w)) return NULL;
        p += w + (p[w] == '|');
    }
    snprintf(why, n, "not one of the choices");
    return why;
}

void cli_show_value(const char *value, char shown[CLI_SHOWN_MAX])
{
    size_t k = 0;
    const unsigned char *v = (const unsigned char *)value;
    for (size_t i = 0; v[i] && i < 64; i++)
        k += (size_t)snprintf(shown + k, CLI_SHOWN_MAX - k,
                              v[i] >= 0x20 && v[i] < 0x7f ? "%c" : "\\x%02x", v[i]);
    shown[k] = '\0';
}

int cli_bad_value(const struct cli_spec *spec, const char *opt, const char *value,
                  const char *why, const char *expected)
{
    char shown[CLI_SHOWN_MAX];
    cli_show_value(value, shown);
    /* an empty or spaced value is quoted, or it would not be seen */
    bool quote = !value[0] || strpbrk(value, " \t\"");
    log_error("%s %s%s%s: %s (expected %s)", opt, quote ? "\"" : "", shown, quote ? "\"" : "", why,
              expected);
    cli_usage(spec, stderr);
    return CLI_EXIT_USAGE;
}

/* `unknown option "--perod"; did you mean '--period'?` */
static enum cli_result cli_unknown_option(const struct cli_spec *spec, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char word[SUGGEST_MAX_LEN + 1];
    snprintf(word, sizeof word, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    struct suggest s;
    suggest_init(&s, word[0] == '-' && word[1] == '-' ? word + 2 : word);
    for (const struct cli_opt *o = spec->opts; o && o->name; o++)
        suggest_offer(&s, o->name);
    suggest_offer(&s, "help");
    const char *best = suggest_result(&s);
    if (best) log_error("unknown option \"%s\"; did you mean '--%s'?", word, best);
    else log_error("unknown option \"%s\"", word);
    cli_usage(spec, stderr);
    return CLI_BAD;
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

/* The n-th (from 0) positional argument's name in usage ("gpumeter
 * contract propose FILE [--as NAME]": 0 is FILE) into out, "" when the
 * usage does not say: a word in capitals outside brackets that is not an
 * option's value. */
static void positional_name(const char *usage, int n, char *out, size_t cap)
{
    int depth = 0;
    bool option_value = false;
    out[0] = '\0';
    for (const char *w = usage; *w;) {
        size_t len = strcspn(w, " ");
        const char *word = w, *end = w + len;
        int open = depth;
        for (const char *c = w; c < end; c++) depth += (*c == '[') - (*c == ']');
        while (word < end && *word == '(') word++;
        while (end > word && end[-1] == ')') end--;
        bool caps = end - word >= 2;
        for (const char *c = word; caps && c < end; c++)
            caps = (*c >= 'A' && *c <= 'Z') || *c == '_' || (*c >= '0' && *c <= '9');
        if (caps && !open && !option_value && n-- == 0) {
            snprintf(out, cap, "%.*s", (int)(end - word), word);
            return;
        }
        option_value = !strncmp(word, "--", 2);
        w += len;
        w += *w == ' ';
    }
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
        if (a[1] != '-') return cli_unknown_option(spec, a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct cli_opt *o = cli_find(spec, name, len);
        if (!o) return cli_unknown_option(spec, a);
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
        } else if (o->type == CLI_STR) {
            char why[120], opt[80];
            if (cli_value_problem(o->arg, val, why, sizeof why)) {
                snprintf(opt, sizeof opt, "--%s", o->name);
                cli_bad_value(spec, opt, val, why, o->arg);
                return CLI_BAD;
            }
            *(const char **)o->target = val;
        } else {
            char expected[96], opt[80];
            const char *why = cli_set_int(o, val, expected, sizeof expected);
            if (why) {
                snprintf(opt, sizeof opt, "--%s", o->name);
                cli_bad_value(spec, opt, val, why, expected);
                return CLI_BAD;
            }
        }
    }
    if (pos < spec->min_pos) {
        char what[80];
        positional_name(spec->usage, pos, what + 1, sizeof what - 1);
        what[0] = what[1] ? ' ' : '\0';
        return cli_bad(spec, "missing argument%s", what);
    }
    if (pos > spec->max_pos)
        return cli_bad(spec, "unexpected argument \"%s\"", argv[1 + spec->max_pos]);
    *npos = pos;
    return CLI_OK;
}

int cli_exit_code(enum cli_result r)
{
    return r == CLI_HELP ? 0 : CLI_EXIT_USAGE;
}

/* A family's subcommands, under its summary, indented by 17 and wrapped at
 * 100 columns. */
#define CLI_SUBS_INDENT 17
static void cli_list_subs(const struct cli_command *subs, FILE *out)
{
    int col = 100; /* the first name starts a line */
    for (const struct cli_command *c = subs; c->name; c++) {
        int w = (int)strlen(c->name) + (c[1].name ? 1 : 0);
        if (col + 1 + w > 100) {
            fprintf(out, "\n%*s", CLI_SUBS_INDENT - 1, "");
            col = CLI_SUBS_INDENT - 1;
        }
        fprintf(out, " %s%s", c->name, c[1].name ? "," : "");
        col += 1 + w;
    }
}

void cli_list_commands(const char *family, const struct cli_command *cmds, FILE *out)
{
    fprintf(out, "usage: %s <command> [options]\n\ncommands:\n", family);
    for (const struct cli_command *c = cmds; c->name; c++) {
        fprintf(out, "  %-12s %s", c->name, c->summary);
        if (c->subs) cli_list_subs(c->subs(), out);
        fputs("\n", out);
    }
    fprintf(out, "\nRun \"%s help <command>\" for a command's subcommands or options.\n", family);
}

static const struct cli_command *cli_find_command(const struct cli_command *cmds, const char *name)
{
    for (const struct cli_command *c = cmds; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

/* `unknown command "statment"; did you mean 'statement'?`, exit 2 */
static int cli_unknown_command(const char *family, const struct cli_command *cmds,
                               const char *name)
{
    struct suggest s;
    suggest_init(&s, name);
    for (const struct cli_command *c = cmds; c->name; c++)
        suggest_offer(&s, c->name);
    const char *best = suggest_result(&s);
    const char *sub = strchr(family, ' '); /* "gpumeter invoice": name the family */
    if (best)
        log_error("unknown command \"%s%s%.64s\"; did you mean '%s'?", sub ? sub + 1 : "",
                  sub ? " " : "", name, best);
    else log_error("unknown command \"%s%s%.64s\"", sub ? sub + 1 : "", sub ? " " : "", name);
    fprintf(stderr, "Run \"%s help\" for its commands.\n", family);
    return CLI_EXIT_USAGE;
}

int cli_dispatch(const char *family, const struct cli_command *cmds, int argc, char **argv)
{
    if (argc < 2) {
        cli_list_commands(family, cmds, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        if (argc < 3) {
            cli_list_commands(family, cmds, stdout);
            return 0;
        }
        /* "help invoice run" is "invoice run --help": argv[2..], then --help */
        const struct cli_command *c = cli_find_command(cmds, argv[2]);
        if (!c) return cli_unknown_command(family, cmds, argv[2]);
        char *help_argv[8];
        int n = 0;
        for (int i = 2; i < argc && n < 6; i++)
            help_argv[n++] = argv[i];
        help_argv[n++] = "--help";
        help_argv[n] = NULL;
        return c->run(n, help_argv);
    }
    const struct cli_command *c = cli_find_command(cmds, name);
    if (c) return c->run(argc - 1, argv + 1);
    return cli_unknown_command(family, cmds, name);
}

bool cli_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

bool cli_code_ok(const struct cli_spec *spec, const char *opt, const char *code)
{
    if (cli_code_valid(code)) return true;
    cli_bad_value(spec, opt, code, "not a code", "1 to 64 of a-z, 0-9, - and _");
    return false;
}

bool cli_period(const struct cli_spec *spec, const char *period, char first_day[16])
{
    int y, m;
    if (period && time_parse_month(period, &y, &m)) {
        time_month_first_day(period, first_day);
        return true;
    }
    if (!period) {
        log_error("--period YYYY-MM is required");
        cli_usage(spec, stderr);
        return false;
    }
    char why[120];
    time_month_problem(period, why, sizeof why);
    cli_bad_value(spec, "--period", period, why, "YYYY-MM");
    return false;
}

bool cli_day_ok(const struct cli_spec *spec, const char *opt, const char *day)
{
    int64_t days;
    if (!day || time_parse_date(day, &days)) return true;
    char why[120], name[80];
    time_date_problem(day, why, sizeof why);
    snprintf(name, sizeof name, "--%s", opt);
    cli_bad_value(spec, name, day, why, "YYYY-MM-DD");
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

void cli_list_header(FILE *out, const char *fmt, const char *const *names)
{
    const char *const *name = names;
    for (const char *p = fmt; *p;) {
        if (p[0] == '%' && p[1] == '%') {
            fputc(' ', out);
            p += 2;
            continue;
        }
        if (*p != '%') { /* a literal word of the rows: blank, so the columns stay put */
            fputc(isspace((unsigned char)*p) ? *p : ' ', out);
            p++;
            continue;
        }
        size_t len = 1 + strspn(p + 1, "-0123456789");
        assert(p[len] == 's' && *name); /* one name per %s (the contract) */
        char spec[16];
        snprintf(spec, sizeof spec, "%.*ss", (int)len, p);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        fprintf(out, spec, *name++); /* spec: a %s conversion of fmt, checked above */
#pragma GCC diagnostic pop
        p += len + 1;
    }
    assert(!*name);
}

int cli_list(const struct cli_spec *spec, int argc, char **argv, const char *what, const char *sql,
             int n, const char *const *params, const char *fmt, const char *const *names)
{
    int rc;
    struct config cfg;
    PGconn *conn = cli_open_db(spec, argc, argv, &cfg, &rc);
    if (!conn) return rc;
    PGresult *res = db_query(conn, what, sql, n, params);
    if (res && PQntuples(res) > 0) cli_list_header(stdout, fmt, names);
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
