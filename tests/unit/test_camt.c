/* camt: the camt.053 reader (billing/camt.h) on the statement fixture and
 * on small documents of the versions it reads: what each entry yields
 * (reference precedence, charges of V02 and V08, remittance, payer), and
 * amounts refused with why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "billing/camt.h"
#include "core/fileio.h"
#include "core/strbuf.h"

#include <stdio.h>
#include <string.h>

static int digits(const char *ccy, void *ctx)
{
    (void)ctx;
    return !strcmp(ccy, "CNY") || !strcmp(ccy, "USD") ? 2 : !strcmp(ccy, "JPY") ? 0 : -1;
}

/* One statement of version ver holding the entries xml. */
static bool parse_entries(const char *ver, const char *entries, struct bank_statement_file *f,
                          char *error, size_t cap)
{
    struct strbuf sb = STRBUF_INIT;
    sb_printf(&sb,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
              "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.%s\"><BkToCstmrStmt>"
              "<GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S1</Id>"
              "<Acct><Id><IBAN>CH9300762011623852957</IBAN></Id></Acct>%s</Stmt>"
              "</BkToCstmrStmt></Document>",
              ver, entries);
    bool ok = camt_parse(sb.buf, sb.len, digits, NULL, f, error, cap);
    sb_free(&sb);
    return ok;
}

static void test_the_month_fixture(void **state)
{
    (void)state;
    struct strbuf data = STRBUF_INIT;
    assert_true(file_read_all("tests/fixtures/bank/camt053-month.xml", &data));
    struct bank_statement_file f;
    char error[512];
    if (!camt_parse(data.buf, data.len, digits, NULL, &f, error, sizeof error))
        fail_msg("the fixture: expected it parsed, got [%s]", error);
    sb_free(&data);
    assert_int_equal(f.n, 8);
    assert_string_equal(f.message_id, "STMT20260305GPUM001");
    assert_string_equal(f.account, "310066726018800012345");
    const struct bank_entry *e = &f.entries[1];
    assert_string_equal(e->path, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]");
    assert_string_equal(e->bank_ref, "BOC20260302000117"); /* AcctSvcrRef before NtryRef */
    assert_int_equal(e->amount_minor, 20000);
    assert_true(e->credit && e->booked && !e->reversal);
    assert_string_equal(e->booked_on, "2026-03-02");
    assert_string_equal(e->debtor_name, "Alpha AI Ltd");
    assert_string_equal(e->debtor_account, "6222021001122334455");
    assert_string_equal(e->remittance, "Payment for INV-2026-000001 GPU compute January");
    e = &f.entries[3];
    assert_int_equal(e->amount_minor, 1466);
    assert_int_equal(e->charges_minor, 1000);
    assert_string_equal(e->remittance, "INV-2026-000002"); /* Strd/CdtrRefInf/Ref */
    assert_false(f.entries[6].credit);
    assert_false(f.entries[7].booked);
    camt_free(&f);
}

static void test_version_2_charges_repeated(void **state)
{
    (void)state;
    struct bank_statement_file f;
    char error[512];
    const char *entries =
        "<Ntry><Amt Ccy=\"CNY\">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
        "<BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef>"
        "<Chrgs><Amt Ccy=\"CNY\">1.50</Amt></Chrgs><Chrgs><Amt Ccy=\"CNY\">0.25</Amt></Chrgs>"
        "</Ntry>";
    if (!parse_entries("02", entries, &f, error, sizeof error))
        fail_msg("version 2: expected it parsed, got [%s]", error);
    assert_int_equal(f.entries[0].charges_minor, 175);
    camt_free(&f);
}

static void test_version_8_and_reference_precedence(void **state)
{
    (void)state;
    struct bank_statement_file f;
    char error[512];
    const char *entries =
        "<Ntry><NtryRef>N1</NtryRef><Amt Ccy=\"USD\">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>2026-03-02T10:00:00</DtTm></BookgDt>"
        "<Chrgs><TtlChrgsAndTaxAmt Ccy=\"USD\">12.50</TtlChrgsAndTaxAmt>"
        "<Rcrd><Amt Ccy=\"USD\">12.50</Amt></Rcrd></Chrgs>"
        "<NtryDtls><TxDtls><Refs><EndToEndId>E2E</EndToEndId></Refs>"
        "<RltdPties><Dbtr><Pty><Nm>Gamma LLM Lab</Nm></Pty></Dbtr></RltdPties>"
        "<RmtInf><Ustrd>a</Ustrd><Ustrd>b</Ustrd></RmtInf><AddtlTxInf>c</AddtlTxInf>"
        "</TxDtls></NtryDtls></Ntry>"
        "<Ntry><Amt Ccy=\"JPY\">500</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>"
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-03</Dt></BookgDt>"
        "<Chrgs><Rcrd><Amt Ccy=\"JPY\">3</Amt></Rcrd><Rcrd><Amt Ccy=\"JPY\">4</Amt></Rcrd></Chrgs>"
        "<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs></TxDtls>"
        "<TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>";
    if (!parse_entries("08", entries, &f, error, sizeof error))
        fail_msg("version 8: expected it parsed, got [%s]", error);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.account, "CH9300762011623852957");
    assert_string_equal(f.entries[0].bank_ref, "N1"); /* NtryRef before EndToEndId */
    assert_int_equal(f.entries[0].charges_minor, 1250); /* the total, not total + record */
    assert_string_equal(f.entries[0].debtor_name, "Gamma LLM Lab");
    assert_string_equal(f.entries[0].remittance, "a b c");
    assert_string_equal(f.entries[0].booked_on, "2026-03-02");
    assert_string_equal(f.entries[1].bank_ref, "E2E-2"); /* NOTPROVIDED is no reference */
    assert_int_equal(f.entries[1].charges_minor, 7);
    assert_true(f.entries[1].reversal);
    camt_free(&f);
}

/* The entry <Amt Ccy=ccy>text</Amt> must be refused with why. */
static void amount_refused(const char *ccy, const char *text, const char *why)
{
    char entry[512], error[512], want[600];
    snprintf(entry, sizeof entry,
             "<Ntry><Amt Ccy=\"%s\">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
             "<BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef></Ntry>",
             ccy, text);
    struct bank_statement_file f;
    snprintf(want, sizeof want, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt: %s", why);
    if (parse_entries("02", entry, &f, error, sizeof error))
        fail_msg("<Amt Ccy=%s>%s</Amt>: expected [%s], got it parsed", ccy, text, want);
    if (strcmp(error, want))
        fail_msg("<Amt Ccy=%s>%s</Amt>: expected [%s], got [%s]", ccy, text, want, error);
    assert_int_equal(f.n, 0);
}

static void test_amounts_refused(void **state)
{
    (void)state;
    amount_refused("CNY", "12.345", "3 decimals, CNY has 2");
    amount_refused("CNY", "12.340", "3 decimals, CNY has 2");
    amount_refused("JPY", "12.5", "1 decimals, JPY has 0");
    amount_refused("CNY", "12,00", "\"12,00\" is not a number");
    amount_refused("CNY", "1e3", "\"1e3\" is not a number");
    amount_refused("CNY", "-5.00", "\"-5.00\" is not a number");
    amount_refused("CNY", "12.", "\"12.\" is not a number");
    amount_refused("CNY", "", "\"\" is not a number");
    amount_refused("CNY", "92233720368547758.08", "\"92233720368547758.08\" is too large");
    amount_refused("CNY", "0.00", "not above 0");
    amount_refused("XYZ", "1.00", "unknown currency \"XYZ\"");
    amount_refused("CN", "1.00", "unknown currency \"CN\"");
}

/* An entry of 100.00 CNY with charges chrgs must be refused with why at
 * the path after the entry's. */
static void charges_refused(const char *chrgs, const char *where, const char *why)
{
    char entry[1024], error[512], want[600];
    snprintf(entry, sizeof entry,
             "<Ntry><Amt Ccy=\"CNY\">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
             "<BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef>%s</Ntry>",
             chrgs);
    struct bank_statement_file f;
    snprintf(want, sizeof want, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/%s: %s", where, why);
    if (parse_entries("04", entry, &f, error, sizeof error))
        fail_msg("%s: expected [%s], got it parsed", chrgs, want);
    if (strcmp(error, want)) fail_msg("%s: expected [%s], got [%s]", chrgs, want, error);
    assert_int_equal(f.n, 0);
}

/* Each charge record is in the entry's currency (a USD 10.00 beside a CNY
 * 1.00 is not 11.00 CNY), and their sum, and the gross the customer sent
 * (amount + charges), fit an amount. */
static void test_charges_refused(void **state)
{
    (void)state;
    charges_refused("<Chrgs><Rcrd><Amt Ccy=\"USD\">10.00</Amt></Rcrd>"
                    "<Rcrd><Amt Ccy=\"CNY\">1.00</Amt></Rcrd></Chrgs>",
                    "Chrgs/Rcrd[1]/Amt", "charges in USD, not the entry's currency (CNY)");
    charges_refused("<Chrgs><Rcrd><Amt Ccy=\"CNY\">1.00</Amt></Rcrd>"
                    "<Rcrd><Amt Ccy=\"USD\">10.00</Amt></Rcrd></Chrgs>",
                    "Chrgs/Rcrd[2]/Amt", "charges in USD, not the entry's currency (CNY)");
    /* 2 x 4611686018427387904 is 2^63: the sum does not fit */
    charges_refused("<Chrgs><Rcrd><Amt Ccy=\"CNY\">46116860184273879.04</Amt></Rcrd>"
                    "<Rcrd><Amt Ccy=\"CNY\">46116860184273879.04</Amt></Rcrd></Chrgs>",
                    "Chrgs/Rcrd[2]/Amt", "the charges are too large");
    /* the charges fit, the gross (100.00 more) does not */
    charges_refused("<Chrgs><Rcrd><Amt Ccy=\"CNY\">92233720368547758.00</Amt></Rcrd></Chrgs>",
                    "Chrgs/Rcrd[1]/Amt", "the charges are too large");
    charges_refused("<Chrgs><TtlChrgsAndTaxAmt Ccy=\"CNY\">92233720368547758.00</TtlChrgsAndTaxAmt>"
                    "</Chrgs>",
                    "Chrgs/TtlChrgsAndTaxAmt", "the charges are too large");
}

/* A booking or value day that is no day of the calendar is refused at its
 * path, as the CSV reader refuses one: the ledger could not post it. */
static void test_no_such_day_refused(void **state)
{
    (void)state;
    const char *days[] = {"2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29"};
    for (size_t i = 0; i < sizeof days / sizeof *days; i++)
        for (int value = 0; value < 2; value++) {
            char entry[512], error[512], want[200];
            snprintf(entry, sizeof entry,
                     "<Ntry><Amt Ccy=\"CNY\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
                     "<BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt>"
                     "<AcctSvcrRef>R</AcctSvcrRef></Ntry>",
                     value ? "2026-03-02" : days[i], value ? days[i] : "2026-03-02");
            snprintf(want, sizeof want,
                     "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/%s: no date (Dt or DtTm, "
                     "YYYY-MM-DD...)",
                     value ? "ValDt" : "BookgDt");
            struct bank_statement_file f;
            if (parse_entries("02", entry, &f, error, sizeof error)) {
                camt_free(&f);
                fail_msg("%s %s: expected [%s], got it parsed", value ? "ValDt" : "BookgDt",
                         days[i], want);
            }
            if (strcmp(error, want))
                fail_msg("%s: expected [%s], got [%s]", days[i], want, error);
        }
}

/* A valid statement of 100,000 entries (about 20 MB, well inside the 256
 * MiB docs/payments.md allows) is read whole, its last entry exact. The
 * walk is sibling to sibling: counting each k-th entry again from the
 * first took minutes at 16,000 entries and hours at 200,000, a valid
 * statement as good as refused (a run that slow here would never end the
 * suite; no time is asserted, tests pass on a busy machine). */
static void test_a_large_statement_reads_whole(void **state)
{
    (void)state;
    enum { N = 100000 };
    struct strbuf sb = STRBUF_INIT;
    for (int i = 0; i < N; i++)
        sb_printf(&sb,
                  "<Ntry><Amt Ccy=\"CNY\">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
                  "<BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>R%08d</AcctSvcrRef>"
                  "<NtryDtls><TxDtls><RmtInf><Ustrd>payment %d</Ustrd></RmtInf></TxDtls>"
                  "</NtryDtls></Ntry>",
                  1 + i, i % 100, i, i);
    struct bank_statement_file f;
    char error[512];
    bool ok = parse_entries("02", sb.buf, &f, error, sizeof error);
    sb_free(&sb);
    if (!ok) fail_msg("100,000 entries: expected them parsed, got [%s]", error);
    assert_int_equal(f.n, N);
    assert_string_equal(f.entries[N - 1].path, "/Document/BkToCstmrStmt/Stmt[1]/Ntry[100000]");
    assert_string_equal(f.entries[N - 1].bank_ref, "R00099999");
    assert_int_equal(f.entries[N - 1].amount_minor, 10000099);
    camt_free(&f);
}

/* Namespace declarations cost libxml2 (2.9) time quadratic in their number
 * on one element: 400,000 of them (11 MB) took 45 s to parse, and a file
 * of the 256 MiB allowed would take hours. A statement declares two or
 * three; an element declaring more than 32 is refused before parsing. */
static void test_many_namespaces_are_refused_before_parsing(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "<Ntry><Amt Ccy=\"CNY\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
                 "<BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef><X");
    for (int i = 0; i < 100000; i++) sb_printf(&sb, " xmlns:p%d=\"urn:x%d\"", i, i);
    sb_puts(&sb, "/></Ntry>");
    struct bank_statement_file f;
    char error[512];
    bool ok = parse_entries("02", sb.buf, &f, error, sizeof error);
    sb_free(&sb);
    if (ok) fail_msg("100,000 namespace declarations: expected refused, got parsed");
    assert_string_equal(error, "/: an element declares more than 32 namespaces");
    /* a statement's own few, on the root and an element, still parse */
    ok = parse_entries("02",
                       "<Ntry xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"><Amt Ccy=\"CNY\">1.00</Amt>"
                       "<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt>"
                       "</BookgDt><AcctSvcrRef>R</AcctSvcrRef></Ntry>",
                       &f, error, sizeof error);
    if (!ok) fail_msg("two declarations: expected parsed, got [%s]", error);
    camt_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_month_fixture),
        cmocka_unit_test(test_version_2_charges_repeated),
        cmocka_unit_test(test_version_8_and_reference_precedence),
        cmocka_unit_test(test_amounts_refused),
        cmocka_unit_test(test_charges_refused),
        cmocka_unit_test(test_no_such_day_refused),
        cmocka_unit_test(test_a_large_statement_reads_whole),
        cmocka_unit_test(test_many_namespaces_are_refused_before_parsing),
    };
    return cmocka_run_group_tests_name("camt", tests, NULL, NULL);
}
