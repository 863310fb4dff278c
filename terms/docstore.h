/* docstore: what sales configures, as versioned documents in PostgreSQL.
 *
 * Plans, contracts, sites, vouchers and subsidy programs share one life
 * cycle (schema 006, table document), written once here:
 *  - apply validates the whole file (the kind's parser, then its checks
 *    against the database) and rejects it whole, every problem on its own
 *    line as "JSON path: reason" (exit 2);
 *  - a valid document becomes the version of its code for its effective
 *    date (a kind that is not versioned has one document per code): created,
 *    replaced, or left alone when it is the same document as stored (jsonb
 *    equality: key order and spelling do not count); creations and replacements are written to
 * audit_log with the actor, before and after, in the same transaction;
 *  - an issued month is frozen: a plan or contract version that would
 *    price a month already issued for a customer is refused, created or
 *    replaced (exit 2, naming the customers and months); one that prices
 *    nothing issued may be replaced (docstore_frozen_months, the one
 *    definition; docs/plans.md, "Issued months are frozen"); a
 *    maintenance version that would govern a month whose SLA evidence a
 *    standing invoice carries is refused the same way (docs/availability.md,
 *    "Maintenance"). Other kinds: a version that priced an issued invoice
 *    is never replaced;
 *  - list, show and diff read them back. Reentrant: state is the caller's (connection, parsed
 * document). Thread-safe with one connection per thread. */
#ifndef GPUMETER_DOCSTORE_H
#define GPUMETER_DOCSTORE_H

#include "core/docjson.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

struct doc_identity {
    char code[65], customer[65], currency[4]; /* customer, currency "" when none */
    int64_t effective_from;                   /* days since 1970-01-01 */
};

struct doc_kind {
    const char *kind; /* document.kind: "plan", "contract", ... */
    bool versioned;   /* false: one document per code, replaced in place */
    size_t size;      /* of the parsed struct */
    bool (*parse)(const cJSON *doc, void *out, struct doc_check *c);
    void (*identify)(const void *parsed, struct doc_identity *id);
    /* Checks against the database, problems added to c; false on a
     * database error. NULL: none beyond the currency and customer. */
    bool (*check)(PGconn *conn, const void *parsed, struct doc_check *c);
    /* Runs after the document is stored, in its transaction (contracts
     * rewrite their account rows); problems added to c roll it back. */
    bool (*stored)(PGconn *conn, const void *parsed, struct doc_check *c);
    /* Counts issued invoices priced by version ($1 code, $2 effective_from),
     * checked when a version is replaced. NULL: none, or frozen below. */
    const char *issued_sql;
    /* Versions price whole months (plans and contracts): a version is
     * refused, created or replaced, when a month it would price is issued
     * for a customer it prices (docstore_frozen_months). */
    bool frozen;
};

/* The kinds of document are declared by plan.h and contract.h; their parse
 * functions read a document into struct plan, contract, site, voucher,
 * subsidy. */
/* Parses a stored document (text) into out; false when it no longer
 * validates, which only a hand edit of the database can cause. */
bool docstore_parse(const struct doc_kind *k, const char *text, void *out);
/* Parses and validates len bytes of a document from outside (an API
 * request's body): false with every problem in c ("$.path: reason" lines,
 * free c->errors after). Nothing is read from the database. */
bool docstore_parse_text(const struct doc_kind *k, const char *text, size_t len, void *out,
                         struct doc_check *c);

/* The one definition of which issued months a version prices: the
 * invoices that stand (INVOICE_STANDS) of the months from the version's
 * effective_from (YYYY-MM-DD) up to the next version's, a plan's next
 * version of its code (invoices of that plan) or a contract's the
 * customer's next contract version (invoices of that customer); the
 * version in effect on a month's first day prices the month. Kind
 * "maintenance" (customer NULL): the months whose SLA evidence a standing
 * invoice carries (invoice_sla_evidence.month, on the month's invoice or a
 * later one adjusting it) and whose local span (customer_time_zone) meets
 * the version's instants, from effective_from 00:00 UTC to the next
 * version's of its code; the invoice named is the one carrying it. Rows:
 * customer code, month YYYY-MM, invoice number, the first month after the
 * last of them (YYYY-MM-DD, every row), in customer and month order.
 * customer is NULL for a plan. NULL after a database error. */
PGresult *docstore_frozen_months(PGconn *conn, const char *kind, const char *code,
                                 const char *from, const char *customer);

/* The checks against the database that read only (the currency and
 * customer a document names, then the kind's check): problems added to c;
 * false on a database error. */
bool docstore_check(PGconn *conn, const struct doc_kind *k, const void *parsed,
                    struct doc_check *c);

/* A document naming a site (at path) needs the site's document: a
 * problem added to c when there is none; false on a database error. */
bool docstore_site_known(PGconn *conn, const char *site, const char *path, struct doc_check *c);

/* Reads and validates a file; NULL after printing why (exit code in *rc). */
cJSON *docstore_load_file(const struct doc_kind *k, const char *path, void *parsed, int *rc);

/* A command's FILE: read and validated as docstore_load_file, into a new
 * parsed struct (*parsed, the caller frees it), with its identity and its
 * effective date (YYYY-MM-DD); NULL after printing why (exit code in *rc). */
cJSON *docstore_load_identified(const struct doc_kind *k, const char *path, void **parsed,
                                struct doc_identity *id, char from[16], int *rc);

/* The version of code in effect on at (YYYY-MM-DD) parsed into out (the
 * kind's struct), its effective_from in from; false, after logging why,
 * when there is none or on a database error. */
bool docstore_load(PGconn *conn, const struct doc_kind *k, const char *code, const char *at,
                   void *out, char from[16]);

/* Prints the version of code in effect on at (YYYY-MM-DD); false if none. */
bool docstore_print(PGconn *conn, const struct doc_kind *k, const char *code, const char *at);

/* Defines static name_apply, name_list and name_show commands of a kind. */
#define DOC_COMMANDS(name, kind)                                                                   \
    static int name##_apply(int argc, char **argv)                                                 \
    {                                                                                              \
        return docstore_apply(&kind, argc, argv);                                                  \
    }                                                                                              \
    static int name##_list(int argc, char **argv)                                                  \
    {                                                                                              \
        return docstore_list(&kind, argc, argv);                                                   \
    }                                                                                              \
    static int name##_show(int argc, char **argv)                                                  \
    {                                                                                              \
        return docstore_show(&kind, argc, argv);                                                   \
    }

/* How an administrator's `plan apply`/`contract apply` is audited
 * (audit_log.via, schema 069): round the maker-checker proposals. */
#define DOC_VIA_ADMINISTRATOR "direct apply by administrator"

/* In conn's open transaction: checks a parsed, valid document against the
 * database and stores it as apply does (created, replaced, or unchanged
 * when the same), audited as who with via (audit_log.via; NULL for none).
 * source names it in reports (a file, "proposal 7"). 0 with *outcome
 * "created", "replaced" or "unchanged"; CLI_EXIT_USAGE after reporting
 * its problems or a frozen month; 1 on a database error. The caller
 * commits or rolls back. */
int docstore_put(PGconn *conn, const struct doc_kind *k, const char *source, cJSON *doc,
                 const void *parsed, const char *who, const char *via, const char **outcome);

int docstore_apply(const struct doc_kind *k, int argc, char **argv);
int docstore_list(const struct doc_kind *k, int argc, char **argv);
int docstore_show(const struct doc_kind *k, int argc, char **argv);
int docstore_diff(const struct doc_kind *k, int argc, char **argv);

#endif
