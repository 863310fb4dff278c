/* accounts: loading and lookup of the account map (see accounts.h). */
#include "ingest/accounts.h"

#include "ingest/cycle.h"
#include "core/alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account_entry {
    char key[160]; /* "kind:key" */
    char account[129];
};

struct account_map {
    struct account_entry *v;
    size_t n;
};

static const char *parse_line(struct account_map *m, char *line)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char key[256], account[256], extra[2];
    int got = sscanf(line, "%255s %255s %1s", key, account, extra);
    if (got <= 0) return NULL;
    if (got != 2) return "expected \"kind:key account\"";
    bool share = !strncmp(key, "share:", 6);
    if (strncmp(key, "gpu:", 4) && strncmp(key, "node:", 5) && strncmp(key, "job:", 4) &&
        !share)
        return "key must start with gpu:, node:, job: or share:";
    /* share:<account> states the basis of that account's shares, not an account */
    if (share && !key[6]) return "share: names no account";
    if (share && strcmp(account, "cores") && strcmp(account, "memory"))
        return "the basis of share:<account> must be cores or memory";
    if (!cycle_ident_valid(key, sizeof m->v->key) ||
        !cycle_ident_valid(account, sizeof m->v->account))
        return "key or account too long";
    if (accounts_find(m, "", key)) return "key listed twice";
    struct account_entry *e = xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v = e;
    strcpy(m->v[m->n].key, key);
    strcpy(m->v[m->n].account, account);
    m->n++;
    return NULL;
}

struct account_map *accounts_load(const char *path, char *err, size_t errlen)
{
    struct account_map *m = xcalloc(1, sizeof *m);
    if (!path) return m;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read it", path);
        free(m);
        return NULL;
    }
    char line[1024];
    const char *why = NULL;
    int lineno = 0;
    while (!why && fgets(line, sizeof line, f)) {
        lineno++;
        why = parse_line(m, line);
    }
    fclose(f);
    if (!why) return m;
    snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
    accounts_free(m);
    return NULL;
}

const char *accounts_find(const struct account_map *m, const char *kind, const char *key)
{
    if (!m) return NULL;
    char full[320];
    snprintf(full, sizeof full, "%s%s%s", kind, *kind ? ":" : "", key);
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].key, full)) return m->v[i].account;
    return NULL;
}

void accounts_free(struct account_map *m)
{
    if (!m) return;
    free(m->v);
    free(m);
}
