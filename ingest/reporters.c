/* reporters: the token endpoint's per-reporter credentials, their file and
 * `gpumeter collect reporter create|list|revoke` (see reporters.h). */
#include "ingest/reporters.h"

#include "core/alloc.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/digest.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX      "gmr_"
#define ACCOUNT_MAX 128 /* an event's account (docs/event-contract.md) */

bool reporters_patterns_valid(const char *patterns, char *why, size_t cap)
{
    const char *p = patterns;
    if (!*p) {
        snprintf(why, cap, "names no account");
        return false;
    }
    for (;;) {
        size_t n = strcspn(p, ",");
        if (!n) {
            snprintf(why, cap, "has an empty account between commas");
            return false;
        }
        if (n > ACCOUNT_MAX + 1) {
            snprintf(why, cap, "has an account longer than %d bytes", ACCOUNT_MAX);
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)p[i];
            if (ch <= ' ' || ch == 0x7f) {
                snprintf(why, cap, "has a space or control character in \"%.*s\"", (int)n, p);
                return false;
            }
            if (ch == '*' && (i != n - 1 || n == 1)) {
                snprintf(why, cap,
                         "has \"%.*s\": \"*\" may only end a prefix of at least one character",
                         (int)n, p);
                return false;
            }
        }
        if (!p[n]) return true;
        p += n + 1;
    }
}

bool reporters_may_report(const char *patterns, const char *account)
{
    for (const char *p = patterns; *p;) {
        size_t n = strcspn(p, ",");
        if (n && p[n - 1] == '*' ? !strncmp(account, p, n - 1)
                                 : strlen(account) == n && !strncmp(account, p, n))
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

static bool all_hex(const char *s, size_t n)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]) || !s[i]) return false;
    return true;
}

static bool name_valid(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > REPORTER_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
            return false;
    return true;
}

static bool time_valid(const char *s)
{
    int64_t ms;
    return time_parse_rfc3339(s, &ms);
}

/* One line's six fields into r; false with why. */
static bool parse_line(char *line, struct reporter *r, char *why, size_t cap)
{
    char *f[7];
    int n = 0;
    for (char *p = line; n < 7;) {
        f[n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        *sp = '\0';
        p = sp + 1;
    }
    if (n != 6) {
        snprintf(why, cap, "expected 6 fields (id sha256 name accounts created revoked)");
        return false;
    }
    char pwhy[160];
    if (!all_hex(f[0], CREDENTIAL_ID_LEN))
        snprintf(why, cap, "the id is not %d hex digits", CREDENTIAL_ID_LEN);
    else if (!all_hex(f[1], 64))
        snprintf(why, cap, "the hash is not 64 hex digits");
    else if (!name_valid(f[2]))
        snprintf(why, cap, "the name is not 1 to %d letters, digits, '.', '_' or '-'",
                 REPORTER_NAME_MAX);
    else if (strlen(f[3]) > REPORTER_PATTERNS_MAX ||
             !reporters_patterns_valid(f[3], pwhy, sizeof pwhy))
        snprintf(why, cap, "the accounts %s",
                 strlen(f[3]) > REPORTER_PATTERNS_MAX ? "are too long" : pwhy);
    else if (strlen(f[4]) >= sizeof r->created || !time_valid(f[4]))
        snprintf(why, cap, "the creation time is not an RFC 3339 time");
    else if (strlen(f[5]) >= sizeof r->revoked || (strcmp(f[5], "-") && !time_valid(f[5])))
        snprintf(why, cap, "the revocation is neither \"-\" nor an RFC 3339 time");
    else {
        strcpy(r->id, f[0]);
        strcpy(r->sha256, f[1]);
        strcpy(r->name, f[2]);
        strcpy(r->patterns, f[3]);
        strcpy(r->created, f[4]);
        strcpy(r->revoked, f[5]);
        return true;
    }
    return false;
}

static void add(struct reporters *rs, const struct reporter *r)
{
    ALLOC_GROW(rs->v, rs->n, rs->cap, 8);
    rs->v[rs->n++] = *r;
}

/* Parses text (the file's bytes) into rs. */
static bool parse_file(const char *path, char *text, struct reporters *rs, char *err, size_t cap)
{
    long lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (!*line || *line == '#') continue;
        struct reporter r;
        char why[256];
        if (!parse_line(line, &r, why, sizeof why)) {
            snprintf(err, cap, "%s:%ld: %s", path, lineno, why);
            return false;
        }
        for (size_t i = 0; i < rs->n; i++)
            if (!strcmp(rs->v[i].id, r.id)) {
                snprintf(err, cap, "%s:%ld: reporter id %s appears twice", path, lineno, r.id);
                return false;
            }
        add(rs, &r);
    }
    return true;
}

bool reporters_read(const char *path, bool missing_ok, struct reporters *rs, char *err, size_t cap)
{
    memset(rs, 0, sizeof *rs);
    /* Opened once and judged by what was opened (fstat), so a file swapped
     * between the check and the read cannot slip through; without waiting,
     * so a FIFO put in its place cannot hang the endpoint's one thread. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        int saved = errno;
        if (fd >= 0) close(fd);
        if (saved == ENOENT && missing_ok) return true;
        snprintf(err, cap, "cannot read %s: %s", path, strerror(saved));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, cap, "%s is not a regular file", path);
        close(fd);
        return false;
    }
    if (st.st_mode & 027) {
        snprintf(err, cap,
                 "%s may be %s by others (mode %04o): whoever can write it can report for any "
                 "account; chmod 600 it",
                 path, st.st_mode & 022 ? "written" : "read", (unsigned)(st.st_mode & 07777));
        close(fd);
        return false;
    }
    struct strbuf text = STRBUF_INIT;
    bool ok = file_read_stream(fd, &text);
    int saved = errno;
    close(fd);
    if (!ok)
        snprintf(err, cap, "cannot read %s: %s", path, strerror(saved));
    else if (text.len && memchr(text.buf, '\0', text.len)) {
        snprintf(err, cap, "%s holds a NUL byte", path);
        ok = false;
    } else {
        ok = parse_file(path, text.buf ? text.buf : (char *)"", rs, err, cap);
    }
    sb_free(&text);
    if (!ok) reporters_free(rs);
    return ok;
}

bool reporters_write(const char *path, const struct reporters *rs)
{
    struct strbuf out = STRBUF_INIT;
    sb_puts(&out, "# gpumeter token reporters (gpumeter collect reporter): id, SHA-256 of the "
                  "credential (never the credential), name, accounts, created, revoked\n");
    for (size_t i = 0; i < rs->n; i++) {
        const struct reporter *r = &rs->v[i];
        sb_printf(&out, "%s %s %s %s %s %s\n", r->id, r->sha256, r->name, r->patterns, r->created,
                  r->revoked);
    }
    bool ok = file_write_atomic_private(path, out.buf, out.len);
    if (!ok) log_error("cannot write %s: %s", path, strerror(errno));
    sb_free(&out);
    return ok;
}

void reporters_free(struct reporters *rs)
{
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

const struct reporter *reporters_verify(const struct reporters *rs, const char *presented)
{
    char id[CREDENTIAL_ID_LEN + 1], hash[65];
    if (!presented || !credential_split(PREFIX, presented, id)) return NULL;
    digest_sha256_hex(presented, strlen(presented), hash);
    for (size_t i = 0; i < rs->n; i++)
        if (!strcmp(rs->v[i].id, id))
            return !strcmp(rs->v[i].revoked, "-") && !CRYPTO_memcmp(rs->v[i].sha256, hash, 64)
                       ? &rs->v[i]
                       : NULL;
    return NULL;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mode == b->st_mode && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

bool reporters_watch(struct reporters_watch *w)
{
    struct stat st;
    if (stat(w->path, &st)) memset(&st, 0, sizeof st);
    if ((w->loaded || w->err[0]) && same_file(&st, &w->seen)) return w->loaded;
    w->seen = st;
    struct reporters next;
    char err[sizeof w->err];
    if (!reporters_read(w->path, false, &next, err, sizeof err)) {
        reporters_free(&w->rs);
        w->loaded = false;
        snprintf(w->err, sizeof w->err, "%s", err);
        log_error("the token reporters file cannot be used; every report is refused until it "
                  "is fixed");
        log_detail("%s", err);
        return false;
    }
    reporters_free(&w->rs);
    w->rs = next;
    w->loaded = true;
    w->err[0] = '\0';
    log_info("%zu token reporters read from %s", next.n, w->path);
    return true;
}

/* ---- gpumeter collect reporter ---- */

#define REPORTERS_OPT                                                                              \
    {"reporters", CLI_STR, &path, "PATH", "the reporters file (default: tokens.reporters)", 0, 0}

/* A reporter command's start: its command line, then the file (--reporters,
 * else tokens.reporters; empty when it does not exist yet) into rs. A
 * command that changes the file (lock non-NULL) first takes "<path>.lock",
 * held until it closes *lock: two commands at once (a revoke while a
 * create runs) would each write back what it read, and one's change, a
 * revocation included, would be lost. Returns -1 when the command goes on,
 * else its exit code. */
static int start(const struct cli_spec *spec, int argc, char **argv, const char **path,
                 struct reporters *rs, int *lock)
{
    int npos;
    enum cli_result r = cli_parse(spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    static struct config cfg; /* outlives the command: *path may point into it */
    if (!*path) {
        if (config_load(&cfg) != 0) return CLI_EXIT_USAGE;
        if (!cfg.tokens_reporters[0])
            return cli_usage_error(spec, "give --reporters PATH or set tokens.reporters");
        *path = cfg.tokens_reporters;
    }
    char err[512];
    if (lock) {
        char lock_path[4200];
        snprintf(lock_path, sizeof lock_path, "%s.lock", *path);
        if ((*lock = file_lock(lock_path, true)) < 0) {
            log_error("cannot lock %s: %s", lock_path, strerror(errno));
            return 1;
        }
    }
    if (reporters_read(*path, true, rs, err, sizeof err)) return -1;
    log_error("%s", err);
    if (lock) close(*lock);
    return 1;
}

static int reporter_create(int argc, char **argv)
{
    const char *accounts = NULL, *path = NULL;
    const struct cli_opt opts[] = {
        {"accounts", CLI_STR, &accounts, "LIST",
         "accounts it may report for, comma-separated; a trailing * makes a prefix (acme-*)", 0,
         0},
        REPORTERS_OPT,
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter collect reporter create NAME --accounts LIST [--reporters PATH]",
        "Create a token reporter's credential and print it once; only its SHA-256 is kept.", opts,
        1, 1};
    struct reporters rs;
    int lock = -1;
    int rc = start(&spec, argc, argv, &path, &rs, &lock);
    if (rc >= 0) return rc;
    char why[256], msg[320];
    if (!name_valid(argv[1]))
        rc = cli_usage_error(&spec, "NAME must be 1 to 64 letters, digits, '.', '_' or '-'");
    else if (!accounts)
        rc = cli_usage_error(&spec, "give --accounts");
    else if (strlen(accounts) > REPORTER_PATTERNS_MAX ||
             !reporters_patterns_valid(accounts, why, sizeof why)) {
        snprintf(msg, sizeof msg, "--accounts %s",
                 strlen(accounts) > REPORTER_PATTERNS_MAX ? "is too long" : why);
        rc = cli_usage_error(&spec, msg);
    } else {
        char key[CREDENTIAL_LEN + 1];
        struct reporter rep = {.revoked = "-"};
        rc = 1;
        if (credential_new(PREFIX, key, rep.id, rep.sha256)) {
            snprintf(rep.name, sizeof rep.name, "%s", argv[1]);
            snprintf(rep.patterns, sizeof rep.patterns, "%s", accounts);
            time_format_rfc3339(time_now_ms() / 1000 * 1000, rep.created);
            add(&rs, &rep);
            if (reporters_write(path, &rs)) {
                printf("%s\n", key);
                log_info("reporter %s (%s) created for %s; its credential is shown only now",
                         rep.id, rep.name, rep.patterns);
                rc = 0;
            }
        }
    }
    reporters_free(&rs);
    close(lock);
    return rc;
}

static int reporter_list(int argc, char **argv)
{
    const char *path = NULL;
    const struct cli_opt opts[] = {REPORTERS_OPT, {0}};
    const struct cli_spec spec = {"gpumeter collect reporter list [--reporters PATH]",
                                  "List token reporters: id, name, accounts, created, revoked "
                                  "(never the credential).",
                                  opts, 0, 0};
    struct reporters rs;
    int rc = start(&spec, argc, argv, &path, &rs, NULL);
    if (rc >= 0) return rc;
    static const char fmt[] = "%-12s  %-20s %-32s %-20s  %s\n";
    if (rs.n)
        cli_list_header(stdout, fmt,
                        (const char *const[]){"ID", "NAME", "ACCOUNTS", "CREATED", "REVOKED",
                                              NULL});
    for (size_t i = 0; i < rs.n; i++)
        printf(fmt, rs.v[i].id, rs.v[i].name, rs.v[i].patterns,
               rs.v[i].created, strcmp(rs.v[i].revoked, "-") ? rs.v[i].revoked : "active");
    reporters_free(&rs);
    return 0;
}

static int reporter_revoke(int argc, char **argv)
{
    const char *path = NULL;
    const struct cli_opt opts[] = {REPORTERS_OPT, {0}};
    const struct cli_spec spec = {
        "gpumeter collect reporter revoke ID [--reporters PATH]",
        "Revoke a token reporter; its next report gets 401 (the endpoint re-reads the file).",
        opts, 1, 1};
    struct reporters rs;
    int lock = -1;
    int rc = start(&spec, argc, argv, &path, &rs, &lock);
    if (rc >= 0) return rc;
    rc = 1;
    size_t i = 0;
    while (i < rs.n && strcmp(rs.v[i].id, argv[1]))
        i++;
    if (i == rs.n) {
        log_error("no token reporter %s in %s", argv[1], path);
    } else {
        if (!strcmp(rs.v[i].revoked, "-"))
            time_format_rfc3339(time_now_ms() / 1000 * 1000, rs.v[i].revoked);
        if (reporters_write(path, &rs)) {
            printf("reporter %s: revoked\n", argv[1]);
            rc = 0;
        }
    }
    reporters_free(&rs);
    close(lock);
    return rc;
}

static const struct cli_command collect_reporter_table[] = {
    {"create", reporter_create, "create a token reporter's credential (shown once)", NULL},
    {"list", reporter_list, "list token reporters", NULL},
    {"revoke", reporter_revoke, "revoke a token reporter", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(collect_reporter, "gpumeter collect reporter", collect_reporter_table)
