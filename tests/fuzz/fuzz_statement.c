/* Bank statements (issue 34, docs/payments.md): any bytes through the
 * camt.053 reader and the bank CSV reader (UTF-8 and GB18030), which must
 * refuse or accept without crashing, and accept only what PostgreSQL
 * stores as given and the ledger can post: every entry with an amount
 * above 0, charges of 0 or more, a known currency, a real booking day,
 * strict UTF-8 text, and a bank reference on every credit that posts. */
#include "billing/bankcsv.h"
#include "billing/camt.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "tests/fuzz/fuzz.h"

#include <string.h>

static int digits(const char *ccy, void *ctx)
{
    (void)ctx;
    return !strcmp(ccy, "CNY") || !strcmp(ccy, "USD") ? 2 : !strcmp(ccy, "JPY") ? 0 : -1;
}

static void check_text(const char *s)
{
    if (s && !utf8_valid(s, strlen(s))) __builtin_trap();
}

static void check(const struct bank_statement_file *f)
{
    check_text(f->message_id);
    check_text(f->account);
    for (size_t i = 0; i < f->n; i++) {
        const struct bank_entry *e = &f->entries[i];
        int64_t day;
        if (e->amount_minor <= 0 || e->charges_minor < 0 || digits(e->currency, NULL) < 0)
            __builtin_trap();
        if (e->booked && !time_parse_date(e->booked_on, &day)) __builtin_trap();
        if (e->credit && e->booked && !e->reversal && (!e->bank_ref || !*e->bank_ref))
            __builtin_trap();
        const char *texts[] = {e->account, e->bank_ref, e->debtor_name, e->debtor_account,
                               e->remittance};
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) check_text(texts[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bank_statement_file f;
    char error[512];
    if (camt_parse((const char *)data, size, digits, NULL, &f, error, sizeof error)) {
        check(&f);
        camt_free(&f);
    }
    static const char *const encodings[] = {"utf-8", "gb18030"};
    for (int k = 0; k < 2; k++)
        if (bankcsv_parse((const char *)data, size, encodings[k], "acct", "fuzz", digits, NULL,
                          &f, error, sizeof error)) {
            check(&f);
            camt_free(&f);
        }
    return 0;
}
