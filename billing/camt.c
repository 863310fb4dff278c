/* camt: an ISO 20022 camt.053 statement into its entries (camt.h). The
 * tree is walked by local element name within the document's namespace;
 * each element read is named by its path, with [n] counting siblings of
 * the same name from 1, as the refusal messages show it. */
#include "billing/camt.h"

#include "core/alloc.h"
#include "core/decimal.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/timeutil.h"
#include "core/utf8.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ns_prefix[] = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.0";

struct walk {
    const xmlChar *ns;
    camt_digits_fn digits;
    void *ctx;
    char *error;
    size_t cap;
};

static bool refuse(struct walk *w, const char *path, const char *name, const char *fmt,
                   const char *arg)
{
    char why[256];
    snprintf(why, sizeof why, fmt, arg);
    snprintf(w->error, w->cap, "%s%s%s: %s", path, name ? "/" : "", name ? name : "", why);
    return false;
}

static bool named(const xmlNode *n, const struct walk *w, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, w->ns) &&
           !strcmp((const char *)n->name, name);
}

/* The k-th (from 1) child element of n named name, or NULL. */
static xmlNode *child_k(const xmlNode *n, const struct walk *w, const char *name, int k)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (named(c, w, name) && --k == 0) return c;
    return NULL;
}
static xmlNode *child(const xmlNode *n, const struct walk *w, const char *name)
{
    return child_k(n, w, name, 1);
}
/* The next sibling of c named as c is, or NULL: loops over same-named
 * children go sibling to sibling, so a statement of N entries is read in
 * one pass (counting each k-th from the first made it N^2 / 2 visits:
 * hours for a valid statement of 200,000 entries). */
static xmlNode *next_same(const xmlNode *c, const struct walk *w)
{
    for (xmlNode *s = c->next; s; s = s->next)
        if (named(s, w, (const char *)c->name)) return s;
    return NULL;
}
/* The descendant at a slash-separated path of first children, or NULL. */
static xmlNode *at(const xmlNode *n, const struct walk *w, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    xmlNode *cur = (xmlNode *)n;
    for (char *save = NULL, *p = strtok_r(buf, "/", &save); cur && p;
         p = strtok_r(NULL, "/", &save))
        cur = child(cur, w, p);
    return cur;
}

/* The element's text, trimmed, newly allocated ("" for none); NULL for no
 * element. */
static char *text_of(const xmlNode *n)
{
    if (!n) return NULL;
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = t ? (const char *)t : "";
    size_t b = strspn(s, " \t\r\n"), e = strlen(s);
    while (e > b && strchr(" \t\r\n", s[e - 1])) e--;
    char *out = xstrndup(s + b, e - b);
    xmlFree(t);
    return out;
}
static char *text_at(const xmlNode *n, const struct walk *w, const char *path)
{
    return text_of(at(n, w, path));
}

const char *camt_amount(const char *text, int digits, const char *currency, int64_t *minor,
                        char *why, size_t cap)
{
    size_t len = strlen(text), i = 0, ints = 0, decs = 0;
    while (i < len && text[i] >= '0' && text[i] <= '9') i++, ints++;
    if (i < len && text[i] == '.')
        for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++) decs++;
    if (!ints || i != len || (strchr(text, '.') && !decs)) {
        snprintf(why, cap, "\"%.40s\" is not a number", text);
        return why;
    }
    if ((int)decs > digits) {
        /* trailing zeros beyond the currency's digits change nothing, but a
         * bank that writes them writes a format we have not seen: refused */
        snprintf(why, cap, "%zu decimals, %s has %d", decs, currency, digits);
        return why;
    }
    if (!decimal_parse(text, len, digits, DECIMAL_EXACT, minor)) {
        snprintf(why, cap, "\"%.40s%s\" is too large", text, len > 40 ? "..." : "");
        return why;
    }
    return NULL;
}

/* The amount of element n (its Ccy attribute and text) in minor units. */
static bool amount_of(struct walk *w, const xmlNode *n, const char *path, const char *name,
                      char currency[4], int64_t *minor)
{
    if (!n) return refuse(w, path, name, "%smissing", "");
    xmlChar *ccy = xmlGetProp(n, (const xmlChar *)"Ccy");
    bool ok = ccy && strlen((const char *)ccy) == 3;
    if (ok) snprintf(currency, 4, "%s", (const char *)ccy);
    int d = ok ? w->digits(currency, w->ctx) : -1;
    if (d < 0) {
        refuse(w, path, name, "unknown currency \"%.8s\"", ccy ? (const char *)ccy : "");
        xmlFree(ccy);
        return false;
    }
    xmlFree(ccy);
    char *t = text_of(n), why[160];
    const char *bad = camt_amount(t, d, currency, minor, why, sizeof why);
    free(t);
    if (bad) return refuse(w, path, name, "%s", bad);
    return true;
}

/* A date element (Dt, or DtTm whose first ten characters are the date), a
 * day of the calendar. */
static bool date_of(struct walk *w, const xmlNode *n, const char *path, const char *name,
                    char out[11], bool required)
{
    out[0] = 0;
    if (!n) return required ? refuse(w, path, name, "%smissing", "") : true;
    char *t = text_at(n, w, "Dt");
    if (!t) t = text_at(n, w, "DtTm");
    bool ok = t && strlen(t) >= 10 && t[4] == '-' && t[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        ok = i == 4 || i == 7 || (t[i] >= '0' && t[i] <= '9');
    if (ok) memcpy(out, t, 10), out[10] = 0;
    int64_t day;
    ok = ok && time_parse_date(out, &day); /* a day of the calendar (not 2026-02-30) */
    if (!ok) out[0] = 0;
    free(t);
    return ok ? true : refuse(w, path, name, "%sno date (Dt or DtTm, YYYY-MM-DD...)", "");
}

/* What is read as remittance text: first these (and a structured
 * remittance's referred document numbers, RfrdDocInf/Nb, where payers
 * put the invoice number), then the additional transaction information. */
static const char *const rmt[] = {"Ustrd", "Ref", "AddtlRmtInf", NULL};
static const char *const info[] = {"AddtlTxInf", NULL};

/* Appends the text of every element under n named in names to sb. */
static void gather(const xmlNode *n, const struct walk *w, const char *const *names,
                   struct strbuf *sb)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        bool hit = false, doc = names == rmt && named(c, w, "RfrdDocInf");
        for (int i = 0; names[i] && !hit; i++) hit = named(c, w, names[i]);
        if (hit || doc) {
            char *t = doc ? text_at(c, w, "Nb") : text_of(c);
            if (!t) continue;
            if (*t) {
                if (sb->len) sb_putc(sb, ' ');
                sb_puts(sb, t);
            }
            free(t);
        } else {
            gather(c, w, names, sb);
        }
    }
}

/* The first non-empty text among a transaction's references. */
static char *tx_ref(const xmlNode *ntry, const struct walk *w, const char *name)
{
    for (xmlNode *tx = child(at(ntry, w, "NtryDtls"), w, "TxDtls"); tx; tx = next_same(tx, w)) {
        char *t = text_at(tx, w, name);
        if (t && *t && strcmp(t, "NOTPROVIDED")) return t;
        free(t);
    }
    return NULL;
}

/* A transaction's payer: its name, or with account its account. */
static char *tx_party(const xmlNode *tx, const struct walk *w, bool account)
{
    if (account) {
        char *t = text_at(tx, w, "RltdPties/DbtrAcct/Id/IBAN");
        return t ? t : text_at(tx, w, "RltdPties/DbtrAcct/Id/Othr/Id");
    }
    char *t = text_at(tx, w, "RltdPties/Dbtr/Nm"); /* up to .001.07 */
    return t ? t : text_at(tx, w, "RltdPties/Dbtr/Pty/Nm"); /* .001.08 */
}

/* Adds the charge of element n (an Amt or TtlChrgsAndTaxAmt, name under
 * path) to *minor: in the entry's currency (a charge in another is not so
 * many of its minor units), and the charges and the gross the customer
 * sent (amount + charges) fitting an amount. */
static bool add_charge(struct walk *w, const xmlNode *n, const char *path, const char *name,
                       const char *currency, int64_t amount, int64_t *minor)
{
    char cc[4] = "";
    int64_t part, sum, gross;
    if (!amount_of(w, n, path, name, cc, &part)) return false;
    if (strcmp(cc, currency)) {
        char why[64];
        snprintf(why, sizeof why, "charges in %s, not the entry's currency (%s)", cc, currency);
        return refuse(w, path, name, "%s", why);
    }
    if (!money_add(*minor, part, &sum) || !money_add(amount, sum, &gross))
        return refuse(w, path, name, "%sthe charges are too large", "");
    *minor = sum;
    return true;
}

static char *party(const xmlNode *ntry, const struct walk *w, bool account)
{
    return tx_party(child(at(ntry, w, "NtryDtls"), w, "TxDtls"), w, account);
}

/* The charges the bank deducted from an entry of amount, reported under
 * parent (an Ntry or a TxDtls; prefix its path from the entry's): the
 * total when given, else each record's (.001.04 on: one Chrgs of Rcrd) or
 * each Chrgs' own Amt (.001.02, .001.03: Chrgs repeated). A record with
 * ChrgInclInd false was not deducted from the amount booked (the bank
 * charged it apart, as a debit of its own): it is not the customer's, and
 * when a record says so only the records included count. Each in the
 * entry's currency (add_charge). */
static bool charges_of(struct walk *w, const xmlNode *parent, const char *path,
                       const char *prefix, const char *currency, int64_t amount, int64_t *minor)
{
    xmlNode *ch = child(parent, w, "Chrgs");
    char cc[4] = "", name[96];
    int64_t part = 0;
    bool apart = false;
    for (int k = 1; child_k(ch, w, "Rcrd", k); k++) {
        char *incl = text_at(child_k(ch, w, "Rcrd", k), w, "ChrgInclInd");
        apart |= incl && (!strcmp(incl, "false") || !strcmp(incl, "0"));
        free(incl);
    }
    *minor = 0;
    if (child(ch, w, "TtlChrgsAndTaxAmt") && !apart) {
        snprintf(name, sizeof name, "%sChrgs/TtlChrgsAndTaxAmt", prefix);
        return add_charge(w, child(ch, w, "TtlChrgsAndTaxAmt"), path, name, currency, amount,
                          minor);
    }
    if (child(ch, w, "Rcrd")) {
        for (int k = 1; child_k(ch, w, "Rcrd", k); k++) {
            const xmlNode *r = child_k(ch, w, "Rcrd", k);
            snprintf(name, sizeof name, "%sChrgs/Rcrd[%d]/Amt", prefix, k);
            char *incl = text_at(r, w, "ChrgInclInd");
            bool in = !incl || !(!strcmp(incl, "false") || !strcmp(incl, "0"));
            free(incl);
            if (in ? !add_charge(w, child(r, w, "Amt"), path, name, currency, amount, minor)
                   : !amount_of(w, child(r, w, "Amt"), path, name, cc, &part))
                return false;
        }
        return true;
    }
    for (int k = 1; child_k(parent, w, "Chrgs", k); k++) {
        snprintf(name, sizeof name, "%sChrgs[%d]/Amt", prefix, k);
        if (!add_charge(w, child(child_k(parent, w, "Chrgs", k), w, "Amt"), path, name, currency,
                        amount, minor))
            return false;
    }
    return true;
}

static bool entry(struct walk *w, const xmlNode *ntry, const char *path, const char *account,
                  struct bank_entry *e)
{
    e->path = xstrdup(path);
    e->account = xstrdup(account);
    if (!amount_of(w, child(ntry, w, "Amt"), path, "Amt", e->currency, &e->amount_minor))
        return false;
    if (e->amount_minor <= 0) return refuse(w, path, "Amt", "%snot above 0", "");
    char *ind = text_at(ntry, w, "CdtDbtInd");
    bool known = ind && (!strcmp(ind, "CRDT") || !strcmp(ind, "DBIT"));
    e->credit = known && !strcmp(ind, "CRDT");
    free(ind);
    if (!known) return refuse(w, path, "CdtDbtInd", "%snot CRDT or DBIT", "");
    xmlNode *sts = child(ntry, w, "Sts");
    char *st = child(sts, w, "Cd") ? text_at(sts, w, "Cd") : text_of(sts);
    if (!st) return refuse(w, path, "Sts", "%smissing", "");
    e->booked = !strcmp(st, "BOOK");
    free(st);
    char *rv = text_at(ntry, w, "RvslInd");
    e->reversal = rv && (!strcmp(rv, "true") || !strcmp(rv, "1"));
    free(rv);
    if (!date_of(w, child(ntry, w, "BookgDt"), path, "BookgDt", e->booked_on, e->booked) ||
        !date_of(w, child(ntry, w, "ValDt"), path, "ValDt", e->value_on, false))
        return false;
    /* charges: the entry's, else its one transaction's (a bank may report
     * them there) */
    const xmlNode *tx1 = child(at(ntry, w, "NtryDtls"), w, "TxDtls");
    bool one_tx = tx1 && !child_k(at(ntry, w, "NtryDtls"), w, "TxDtls", 2);
    if (child(ntry, w, "Chrgs") || !one_tx || !child(tx1, w, "Chrgs")) {
        if (!charges_of(w, ntry, path, "", e->currency, e->amount_minor, &e->charges_minor))
            return false;
    } else if (!charges_of(w, tx1, path, "NtryDtls/TxDtls[1]/", e->currency, e->amount_minor,
                                  &e->charges_minor)) {
        return false;
    }
    char *ref = text_at(ntry, w, "AcctSvcrRef");
    if (!ref || !*ref) free(ref), ref = tx_ref(ntry, w, "Refs/AcctSvcrRef");
    if (!ref || !*ref) free(ref), ref = text_at(ntry, w, "NtryRef");
    if (!ref || !*ref) free(ref), ref = tx_ref(ntry, w, "Refs/EndToEndId");
    if (ref && !*ref) free(ref), ref = NULL;
    e->bank_ref = ref;
    e->debtor_name = party(ntry, w, false);
    e->debtor_account = party(ntry, w, true);
    struct strbuf sb = {0};
    gather(ntry, w, rmt, &sb);
    gather(ntry, w, info, &sb);
    char *ai = text_at(ntry, w, "AddtlNtryInf");
    if (ai && *ai) {
        if (sb.len) sb_putc(&sb, ' ');
        sb_puts(&sb, ai);
    }
    free(ai);
    e->remittance = xstrdup(sb_str(&sb));
    sb_free(&sb);
    if (e->credit && e->booked && !e->reversal && !e->bank_ref)
        return refuse(w, path, NULL, "%sa credit without a bank reference (AcctSvcrRef, NtryRef or "
                                     "EndToEndId)", "");
    return true;
}

/* A batch booking (docs/payments.md, "Batch bookings"): booked credit
 * out->entries[n - 1], read whole from ntry, becomes one credit per
 * transaction when it has several TxDtls (in one NtryDtls or in several),
 * each with its own amount
 * (AmtDtls/TxAmt/Amt, .001.08 also TxDtls/Amt) in the entry's currency
 * above 0, summing to the entry's amount, and the bank deducted no
 * charges from the entry: each its own payer and remittance text, its
 * bank reference the entry's with "/" and its number. Any other entry
 * stays one credit. False (refused) on a transaction amount that is not
 * one. */
static bool split_batch(struct walk *w, const xmlNode *ntry, const char *path,
                        struct bank_statement_file *out)
{
    struct bank_entry *e = &out->entries[out->n - 1];
    /* every transaction, of one NtryDtls or of several (a bank may give
     * each its own), with its path */
    int n = 0;
    const xmlNode **txs = NULL;
    char (*paths)[200] = NULL;
    for (int d = 1; child_k(ntry, w, "NtryDtls", d); d++) {
        const xmlNode *dtls = child_k(ntry, w, "NtryDtls", d);
        for (int k = 1; child_k(dtls, w, "TxDtls", k); k++, n++) {
            txs = xreallocarray(txs, (size_t)n + 1, sizeof *txs);
            paths = xreallocarray(paths, (size_t)n + 1, sizeof *paths);
            txs[n] = child_k(dtls, w, "TxDtls", k);
            snprintf(paths[n], sizeof paths[n], "%s/NtryDtls[%d]/TxDtls[%d]", path, d, k);
        }
    }
    if (!e->credit || !e->booked || e->reversal || e->charges_minor || !e->bank_ref || n < 2) {
        free(txs);
        free(paths);
        return true;
    }
    int64_t *amt = xreallocarray(NULL, (size_t)n, sizeof *amt), sum = 0;
    bool split = true;
    for (int k = 1; k <= n && split; k++) {
        const xmlNode *tx = txs[k - 1];
        const char *name = "AmtDtls/TxAmt/Amt";
        xmlNode *a = at(tx, w, name);
        if (!a) name = "Amt", a = child(tx, w, name);
        char cc[4] = "";
        if (!a) {
            split = false;
        } else if (!amount_of(w, a, paths[k - 1], name, cc, &amt[k - 1])) {
            free(amt);
            free(txs);
            free(paths);
            return false;
        } else {
            split = !strcmp(cc, e->currency) && amt[k - 1] > 0 &&
                    amt[k - 1] <= e->amount_minor - sum;
            sum += split ? amt[k - 1] : 0;
        }
    }
    if (!split || sum != e->amount_minor) {
        free(amt);
        free(txs);
        free(paths);
        return true;
    }
    struct bank_entry whole = *e;
    out->n--;
    out->entries = xreallocarray(out->entries, out->n + (size_t)n, sizeof *out->entries);
    for (int k = 1; k <= n; k++) {
        const xmlNode *tx = txs[k - 1];
        struct bank_entry *t = &out->entries[out->n++];
        *t = whole;
        t->path = xstrdup(paths[k - 1]);
        t->account = xstrdup(whole.account);
        size_t cap = strlen(whole.bank_ref) + 16;
        t->bank_ref = xmalloc(cap);
        snprintf(t->bank_ref, cap, "%s/%d", whole.bank_ref, k);
        t->amount_minor = amt[k - 1];
        t->tx = k;
        t->debtor_name = tx_party(tx, w, false);
        t->debtor_account = tx_party(tx, w, true);
        struct strbuf sb = {0};
        gather(tx, w, rmt, &sb);
        gather(tx, w, info, &sb);
        t->remittance = xstrdup(sb_str(&sb));
        sb_free(&sb);
    }
    free(whole.path);
    free(whole.account);
    free(whole.bank_ref);
    free(whole.debtor_name);
    free(whole.debtor_account);
    free(whole.remittance);
    free(amt);
    free(txs);
    free(paths);
    return true;
}

static bool walk_statement(struct walk *w, const xmlNode *stmt, const char *path,
                           struct bank_statement_file *out)
{
    char *id = text_at(stmt, w, "Id");
    bool has_id = id && *id;
    free(id);
    if (!has_id) return refuse(w, path, "Id", "%smissing", "");
    char *acct = text_at(stmt, w, "Acct/Id/IBAN");
    if (!acct) acct = text_at(stmt, w, "Acct/Id/Othr/Id");
    if (!acct || !*acct) {
        free(acct);
        return refuse(w, path, "Acct/Id", "%smissing (IBAN or Othr/Id)", "");
    }
    if (!out->account) out->account = xstrdup(acct);
    bool ok = true;
    int k = 1;
    for (xmlNode *ntry = child(stmt, w, "Ntry"); ok && ntry; ntry = next_same(ntry, w), k++) {
        char p[160];
        snprintf(p, sizeof p, "%s/Ntry[%d]", path, k);
        /* room doubles when n reaches a power of two: amortized O(1) */
        if ((out->n & (out->n - 1)) == 0)
            out->entries = xreallocarray(out->entries, out->n ? out->n * 2 : 1,
                                         sizeof *out->entries);
        struct bank_entry *e = &out->entries[out->n++];
        memset(e, 0, sizeof *e);
        ok = entry(w, ntry, p, acct, e) && split_batch(w, ntry, p, out);
    }
    free(acct);
    return ok;
}

/* Whether a start tag in data declares more than CAMT_MAX_NAMESPACES
 * namespaces: libxml2 (2.9) spends time quadratic in the declarations of
 * one element (400,000 in 11 MB: 45 s), and a statement declares two or
 * three. Scanned before parsing: from each '<' to its '>', the attributes
 * named xmlns or xmlns:* (a '>' inside a quoted value ends the count
 * early, which only ever lowers it). */
#define CAMT_MAX_NAMESPACES 32
#define CAMT_TEXT_(x) #x
#define CAMT_TEXT(x) CAMT_TEXT_(x)
static bool too_many_namespaces(const char *data, size_t len)
{
    int n = 0;
    bool in_tag = false;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '<') in_tag = true, n = 0;
        else if (c == '>') in_tag = false;
        else if (in_tag && (c == ' ' || c == '\t' || c == '\n' || c == '\r') && len - i > 6 &&
                 !memcmp(data + i + 1, "xmlns", 5) &&
                 (data[i + 6] == ':' || data[i + 6] == '=' || data[i + 6] == ' ') &&
                 ++n > CAMT_MAX_NAMESPACES)
            return true;
    }
    return false;
}

/* libxml2's first error of the parse, kept for the refusal. */
static void keep_first(void *ctx, const xmlError *err)
{
    char *buf = ctx;
    if (buf[0] || !err || err->level < XML_ERR_ERROR) return;
    char msg[200];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "malformed XML");
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    snprintf(buf, 256, "line %d: %s", err->line, msg);
}

bool camt_parse(const char *data, size_t len, camt_digits_fn digits, void *ctx,
                struct bank_statement_file *out, char *error, size_t cap)
{
    memset(out, 0, sizeof *out);
    struct walk w = {NULL, digits, ctx, error, cap};
    error[0] = 0;
    if (len > CAMT_MAX_BYTES)
        return refuse(&w, "/", NULL, "%sthe file is larger than the 256 MiB a statement may be",
                      "");
    if (!utf8_valid(data, len)) return refuse(&w, "/", NULL, "%snot valid UTF-8", "");
    /* never handed to libxml2: a DTD declares entities (billion laughs,
     * external files), and no bank statement has one */
    if (memmem(data, len, "<!DOCTYPE", 9) || memmem(data, len, "<!ENTITY", 8))
        return refuse(&w, "/", NULL, "%sa DOCTYPE or ENTITY declaration is refused", "");
    if (too_many_namespaces(data, len))
        return refuse(&w, "/", NULL, "an element declares more than %s namespaces",
                      CAMT_TEXT(CAMT_MAX_NAMESPACES));
    char first[256] = "";
    xmlSetStructuredErrorFunc(first, (xmlStructuredErrorFunc)keep_first);
    xmlDoc *doc = xmlReadMemory(data, (int)len, "statement.xml", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOCDATA);
    xmlSetStructuredErrorFunc(NULL, NULL);
    bool ok = false;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!doc || first[0]) {
        refuse(&w, "/", NULL, "%s", first[0] ? first : "not XML");
    } else if (doc->intSubset || doc->extSubset) {
        refuse(&w, "/", NULL, "%sa DOCTYPE is refused", "");
    } else if (!root || strcmp((const char *)root->name, "Document") || !root->ns ||
               strncmp((const char *)root->ns->href, ns_prefix, sizeof ns_prefix - 1) ||
               root->ns->href[sizeof ns_prefix - 1] < '2' ||
               root->ns->href[sizeof ns_prefix - 1] > '8' || root->ns->href[sizeof ns_prefix]) {
        refuse(&w, "/Document", NULL,
               "%snot a camt.053 statement (a Document in namespace "
               "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .08)",
               "");
    } else {
        w.ns = root->ns->href;
        xmlNode *bk = child(root, &w, "BkToCstmrStmt");
        char *msg = bk ? text_at(bk, &w, "GrpHdr/MsgId") : NULL;
        if (!bk) {
            refuse(&w, "/Document", "BkToCstmrStmt", "%smissing", "");
        } else if (!msg || !*msg) {
            refuse(&w, "/Document/BkToCstmrStmt", "GrpHdr/MsgId", "%smissing", "");
        } else if (!child(bk, &w, "Stmt")) {
            refuse(&w, "/Document/BkToCstmrStmt", "Stmt", "%smissing", "");
        } else {
            out->message_id = xstrdup(msg);
            ok = true;
            int k = 1;
            for (xmlNode *st = child(bk, &w, "Stmt"); ok && st; st = next_same(st, &w), k++) {
                char p[64];
                snprintf(p, sizeof p, "/Document/BkToCstmrStmt/Stmt[%d]", k);
                ok = walk_statement(&w, st, p, out);
            }
        }
        free(msg);
    }
    xmlFreeDoc(doc);
    if (!ok) camt_free(out);
    return ok;
}

void camt_free(struct bank_statement_file *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct bank_entry *e = &s->entries[i];
        free(e->path);
        free(e->account);
        free(e->bank_ref);
        free(e->debtor_name);
        free(e->debtor_account);
        free(e->remittance);
    }
    free(s->entries);
    free(s->message_id);
    free(s->account);
    memset(s, 0, sizeof *s);
}
