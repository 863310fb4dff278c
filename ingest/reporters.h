/* reporters: who may post token reports, and for which accounts.
 *
 * Each reporter (a trainer, a training platform's relay) holds its own
 * credential "gmr_<12 hex id>_<64 hex secret>" (core/credential.h) and
 * names the accounts it may report for: exact names, or prefixes written
 * with a trailing "*" ("acme-*" is every account starting "acme-", never
 * "acmex"). ingest/ never talks to PostgreSQL, so reporters live in a file
 * (tokens.reporters), one a line, fields separated by one space:
 *
 *     <id> <sha256 of the credential> <name> <patterns> <created> <revoked>
 *
 * patterns comma-separated, created an RFC 3339 time, revoked one or "-".
 * The credential itself is printed once by `collect reporter create` and
 * stored nowhere. The file must not be writable by group or others nor
 * readable by others (the commands write it 0600 from its creation, and
 * hold "<path>.lock" while they read, change and replace it, so commands
 * run at once never lose one another's change): whoever can write it can
 * report for any account. A file that cannot be read, is open to others,
 * is not a regular file (a FIFO would hang its reader) or has one
 * malformed line is an error as a whole, never "accept all".
 *
 * reporters_watch re-reads the file when it changes (inode, size, times),
 * so a revocation takes effect on the next request without a restart.
 * A reporters set and a watch belong to one thread. */
#ifndef GPUMETER_REPORTERS_H
#define GPUMETER_REPORTERS_H

#include "core/credential.h"
#include "core/timeutil.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define REPORTER_NAME_MAX     64
#define REPORTER_PATTERNS_MAX 1023

struct reporter {
    char id[CREDENTIAL_ID_LEN + 1];
    char sha256[65];
    char name[REPORTER_NAME_MAX + 1];
    char patterns[REPORTER_PATTERNS_MAX + 1];
    char created[TIME_TEXT_LEN], revoked[TIME_TEXT_LEN]; /* revoked "-" while active */
};

struct reporters {
    struct reporter *v;
    size_t n, cap;
};

/* The file into rs (empty when it does not exist and missing_ok). False
 * with the reason in err ("path:line: ..."). */
bool reporters_read(const char *path, bool missing_ok, struct reporters *rs, char *err,
                    size_t cap);
/* Replaces the file atomically, mode 0600. False after logging. */
bool reporters_write(const char *path, const struct reporters *rs);
void reporters_free(struct reporters *rs);
/* The active reporter whose credential presented is, or NULL; the hash is
 * compared in constant time. */
const struct reporter *reporters_verify(const struct reporters *rs, const char *presented);
/* Whether a pattern list (comma-separated; "*" only at the end of a
 * non-empty prefix) is well formed; why says what is wrong. */
bool reporters_patterns_valid(const char *patterns, char *why, size_t cap);
/* Whether account matches one of the patterns (exactly, or by prefix). */
bool reporters_may_report(const char *patterns, const char *account);

/* A reporters file followed as it changes. */
struct reporters_watch {
    const char *path;
    struct stat seen;
    bool loaded; /* rs holds the file as seen; false: the last read failed */
    struct reporters rs;
    char err[512];
};

/* Re-reads the file if it changed since it was last seen; true when rs is
 * current, false (err says why, logged once per change) when the file
 * cannot be used: the caller then refuses every reporter. */
bool reporters_watch(struct reporters_watch *w);

int cmd_collect_reporter(int argc, char **argv);
struct cli_command;
/* its subcommands, the table cmd_collect_reporter dispatches (core/cli.h) */
const struct cli_command *collect_reporter_commands(void);

#endif
