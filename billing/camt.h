/* camt: an ISO 20022 camt.053 bank statement (BkToCstmrStmt, message
 * versions .001.02 to .001.08, told by the namespace) read into its
 * entries, or refused whole with the path of the first element at fault
 * and why ("/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt: 3 decimals, CNY
 * has 2"). Parsed with libxml2, never expanding an entity or fetching
 * anything (XML_PARSE_NONET, no XML_PARSE_NOENT, no DTD loading): a
 * DOCTYPE is refused before libxml2 sees the bytes, and again if the tree
 * has one. docs/payments.md says what is read from where.
 *
 * Not thread-safe: libxml2's error handler is process-wide while a parse
 * runs (one command, one thread). */
#ifndef GPUMETER_CAMT_H
#define GPUMETER_CAMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest statement read, in bytes, camt.053 or CSV: far above a month of a large
 * corporate account (about 2 KB an entry: over 100,000 entries). */
#define CAMT_MAX_BYTES (256u << 20)

struct bank_entry {
    char *path;           /* "/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]" */
    char *account;        /* the statement's account: Acct/Id/IBAN or Othr/Id */
    char *bank_ref;       /* AcctSvcrRef, else NtryRef, else EndToEndId; NULL if none */
    char booked_on[11];   /* YYYY-MM-DD */
    char value_on[11];    /* "" when the entry has none */
    char currency[4];
    int64_t amount_minor; /* > 0, booked to the account */
    int64_t charges_minor;/* >= 0, deducted by the bank */
    bool credit;          /* CdtDbtInd CRDT */
    bool booked;          /* Sts BOOK */
    bool reversal;        /* RvslInd true */
    char *debtor_name, *debtor_account; /* NULL when absent */
    char *remittance;     /* Ustrd, Strd references, additional info; space-joined */
    int tx;               /* 0: an entry; k: transaction k of a batch booking split */
};

struct bank_statement_file {
    char *message_id;     /* GrpHdr/MsgId */
    char *account;        /* the first statement's account */
    struct bank_entry *entries;
    size_t n;
};

/* The minor digits of a currency code, or -1 when it is unknown. */
typedef int (*camt_digits_fn)(const char *currency, void *ctx);

/* Parses data[0..len) into out. False with the path and reason in
 * error (cap bytes) and out empty. */
bool camt_parse(const char *data, size_t len, camt_digits_fn digits, void *ctx,
                struct bank_statement_file *out, char *error, size_t cap);
void camt_free(struct bank_statement_file *s);

/* Whether text is an amount as ISO 20022 writes one and how many minor
 * units it is at digits decimals: NULL, or why not ("not a number", "3
 * decimals, CNY has 2", "too large"), currency naming the unit. */
const char *camt_amount(const char *text, int digits, const char *currency, int64_t *minor,
                        char *why, size_t cap);

#endif
