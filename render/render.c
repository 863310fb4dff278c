/* render: text, JSON and CSV views of a bill (see render.h). */
#include "render/render.h"

#include "render/describe.h"

#include "core/csv.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/units.h"
#include "core/meter.h"
#include "render/pdf.h"

#include <string.h>

bool render_parse_format(const char *s, enum render_format *f)
{
    static const char *const names[] = {"text", "json", "csv", "pdf"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *f = (enum render_format)i;
            return true;
        }
    return false;
}

void render_line_label(const struct bill_line *l, char *buf, size_t len)
{
    if (l->kind == LINE_USAGE)
        snprintf(buf, len, "%s%s%s%s%s", l->model[0] ? l->model : "-", l->band[0] ? " @" : "",
                 l->band, l->site[0] ? " site " : "", l->site);
    else if (l->kind == LINE_PRIOR_PERIOD || l->kind == LINE_INDEX_REVISION)
        snprintf(buf, len, "%s%s%s %s: %s", l->model, l->band[0] ? " @" : "", l->band,
                 bill_kind_name(l->kind), l->detail);
    else
        snprintf(buf, len, "%s%s%s", bill_kind_name(l->kind), l->detail[0] ? " " : "", l->detail);
}

/* A line on the text invoice: its label (render_line_label, which names
 * the line wherever one is compared, as simulate does) and then the factors
 * of its rate that are not 1 ("H800 @peak x1.5 site sz1 PUE 1.25 contract
 * x0.9"), so the unit price beside it reads as the plan's price times them. */
static void text_line_label(const struct bill_line *l, char *buf, size_t len)
{
    char fband[32], fsite[32], fcontract[48];
    render_line_factors(l, false, fband, sizeof fband, fsite, sizeof fsite, fcontract,
                        sizeof fcontract);
    render_line_label(l, buf, len);
    if (l->kind != LINE_USAGE) return;
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s%s%s%s%s", fband[0] ? " " : "", fband, fsite[0] ? " " : "",
             fsite, fcontract[0] ? " " : "", fcontract);
}

/* The text invoice's meter column: as wide as the registry's longest code
 * (gpu_mem_gib_ms), so a meter added to core/meter.h never pushes its
 * line's columns out of line. */
static int meter_width(void)
{
    int w = (int)strlen("meter");
    for (int m = 0; m < METER_COUNT; m++)
        if ((int)strlen(meter_rows[m].code) > w) w = (int)strlen(meter_rows[m].code);
    return w;
}

/* The text invoice's line column: 28 wide, or as wide as b's widest line
 * (text_line_label), so a line whose factors are named ("Ascend910B site
 * sh-lingang PUE 1.25") never pushes its own figures out of line. */
static int line_width(const struct bill *b)
{
    char label[200]; /* as render_text's, which prints it */
    int w = 28;
    for (size_t i = 0; i < b->n; i++) {
        text_line_label(&b->lines[i], label, sizeof label);
        if ((int)strlen(label) > w) w = (int)strlen(label);
    }
    return w;
}

/* The text invoice's quantity column: 22 wide, or as wide as b's widest
 * quantity with its unit ("14691.929400 million tokens"), so a long unit
 * never pushes its line's unit price and amount out of their columns. */
static int quantity_width(const struct bill *b)
{
    int w = 22;
    for (size_t i = 0; i < b->n; i++) {
        char q[80] = "";
        int64_t unit_price;
        if (!render_line_unit_price(b, &b->lines[i], &unit_price)) continue;
        render_quantity(&b->lines[i], q, sizeof q); /* as render_text prints it */
        if ((int)strlen(q) > w) w = (int)strlen(q);
    }
    return w;
}

/* A sum's label ends where the unit price column does: as wide as "#",
 * meter, line, quantity and unit price with their separating spaces. */
static int label_width(const struct bill *b)
{
    return 3 + 1 + meter_width() + 1 + line_width(b) + 1 + quantity_width(b) + 1 + 16;
}

/* A sum under the amount column. */
static void text_sum(FILE *out, const char *label, int64_t v, const struct bill *b)
{
    char amount[32];
    money_format(v, b->minor_digits, amount, sizeof amount);
    fprintf(out, "%*s %16s\n", label_width(b), label, amount);
}

static void render_text(const struct bill *b, const char *title, FILE *out)
{
    char price[32], amount[32], label[200];
    bool credit = !strcmp(b->kind, "credit_note");
    fprintf(out, "%s%s%s%s%s\n", credit ? "Credit note" : title, b->number[0] ? " " : "", b->number,
            b->status[0] ? " " : "", b->status);
    /* A statement of an issued month is its invoice, read back as issued:
     * it says so, so nobody takes it for a pricing under today's plan. */
    if (!strcmp(title, "Statement") && b->status[0])
        fprintf(out, "source    %s %s %s: the month is frozen, not priced again\n", b->status,
                credit ? "credit note" : "invoice", b->number);
    if (b->credits[0]) fprintf(out, "credits   %s\n", b->credits);
    if (credit && (b->void_code[0] || b->void_reason[0])) {
        /* a credit note's reason (its own, or its void's): the tax system's
         * code and its names, then the note when there is one, as the PDF */
        char reason[400];
        render_reason_text(b->void_code, b->void_reason, reason, sizeof reason);
        fprintf(out, "reason    %s\n", reason);
    } else if (b->void_reason[0])
        fprintf(out, "void      %s\n", b->void_reason);
    fprintf(out, "customer  %s (%s)\nperiod    %s\ncontract  %s\nplan      %s\ncurrency  %s\n",
            b->customer, b->customer_name, b->period, b->contract, b->plan, b->currency);
    if (b->due_on[0]) { /* an issued invoice: when it is due, and where it stands */
        money_format(b->open, b->minor_digits, amount, sizeof amount);
        fprintf(out, "due       %s\nstate     %s", b->due_on, b->state);
        if (b->overdue_days)
            fprintf(out, ", overdue %lld day%s", (long long)b->overdue_days,
                    b->overdue_days == 1 ? "" : "s");
        fprintf(out, " (%s %s open)\n", amount, b->currency);
        if (b->reminders[0]) fprintf(out, "reminders %s (days past due, as of)\n", b->reminders);
    }
    fputc('\n', out);
    int lw = line_width(b), qw = quantity_width(b);
    fprintf(out, "%-3s %-*s %-*s %*s %16s %16s\n", "#", meter_width(), "meter", lw, "line", qw,
            "quantity", "unit price", "amount");
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        char q[80] = "", pr[80] = "";
        int64_t unit_price;
        if (render_line_unit_price(b, l, &unit_price)) render_quantity(l, q, sizeof q);
        if (unit_price >= 0) { /* to the plan's precision, as the PDF prints it */
            render_unit_price(unit_price, b->minor_digits, price, sizeof price);
            snprintf(pr, sizeof pr, "%s", price);
        }
        money_format(l->amount, b->minor_digits, amount, sizeof amount);
        text_line_label(l, label, sizeof label);
        fprintf(out, "%-3zu %-*s %-*s %*s %16s %16s\n", i + 1, meter_width(),
                l->meter[0] ? l->meter : "-", lw, label, qw, q, pr, amount);
        char note[400];
        render_index_note(l, false, b->minor_digits, note, sizeof note);
        if (note[0]) fprintf(out, "    %s\n", note); /* the publication it is priced at */
    }
    char rate[32];
    money_format(b->tax_ppm, 4, rate, sizeof rate);
    fputc('\n', out);
    text_sum(out, "subtotal", b->subtotal, b);
    snprintf(label, sizeof label, "tax %s%%", rate);
    text_sum(out, label, b->tax, b);
    text_sum(out, "total", b->total, b);
    for (int i = 0; i < b->nclaims; i++)
        if (!b->claims[i].pre_tax) {
            snprintf(label, sizeof label, "paid by voucher %s (%s)", b->claims[i].voucher,
                     b->claims[i].program);
            text_sum(out, label, -b->claims[i].amount, b);
        }
    money_format(b->due, b->minor_digits, amount, sizeof amount);
    fprintf(out, "%*s %16s %s\n", label_width(b), "due from customer", amount, b->currency);
    if (b->credited) { /* partial credit notes: what of the invoice remains */
        if (b->credit_notes[0])
            fprintf(out, "%*s %s\n", label_width(b), "credit notes", b->credit_notes);
        text_sum(out, "credited by credit notes", b->credited, b);
        text_sum(out, "remaining", b->total + b->credited, b);
    }
    if (b->has_balances) { /* a statement: the receivables ledger now */
        fputc('\n', out);
        money_format(b->deposit_held, b->minor_digits, amount, sizeof amount);
        fprintf(out, "%*s %16s %s\n", label_width(b), "deposit held", amount, b->currency);
        money_format(b->prepaid, b->minor_digits, amount, sizeof amount);
        fprintf(out, "%*s %16s %s\n", label_width(b), "prepaid balance", amount, b->currency);
    }
}

void render_json_money(struct strbuf *sb, const char *name, int64_t v, int digits)
{
    char buf[32];
    money_format(v, digits, buf, sizeof buf);
    sb_printf(sb, ",\"%s\":\"%s\",\"%s_minor\":%lld", name, buf, name, (long long)v);
}

static void json_field(struct strbuf *sb, const char *name, const char *value)
{
    sb_printf(sb, ",\"%s\":", name);
    sb_put_json_string(sb, value);
}

static void json_line(struct strbuf *sb, const struct bill *b, const struct bill_line *l)
{
    char price[32];
    sb_printf(sb, "{\"kind\":\"%s\"", bill_kind_name(l->kind));
    json_field(sb, "meter", l->meter);
    json_field(sb, "model", l->model);
    if (l->band[0]) {
        json_field(sb, "band", l->band);
        sb_printf(sb, ",\"multiplier_ppm\":%lld", (long long)l->multiplier_ppm);
    }
    if (l->site[0]) {
        json_field(sb, "site", l->site);
        sb_printf(sb, ",\"pue_ppm\":%lld", (long long)l->pue_ppm);
    }
    if (l->override_ppm != 1000000)
        sb_printf(sb, ",\"override_ppm\":%lld", (long long)l->override_ppm);
    if (l->detail[0]) json_field(sb, "detail", l->detail);
    if (l->adjusts[0]) json_field(sb, "adjusts", l->adjusts);
    /* What a person reads: the line's name in both languages and its
     * quantity in the price unit (render_quantity, rounded there once). */
    char zh[256], en[256], q[64];
    render_line_description(l, zh, sizeof zh, en, sizeof en);
    json_field(sb, "description_zh", zh);
    json_field(sb, "description_en", en);
    sb_printf(sb, ",\"quantity\":%lld", (long long)l->quantity);
    const struct meter_units *u = meter_units(l->meter);
    if (u) {
        json_field(sb, "base_unit", u->base_unit);
        json_field(sb, "price_unit", u->price_unit);
        render_quantity(l, q, sizeof q);
        q[strcspn(q, " ")] = '\0';
        json_field(sb, "price_unit_quantity", q);
    }
    if (l->kind == LINE_USAGE) {
        money_format(l->unit_price, MONEY_PRICE_DIGITS, price, sizeof price);
        sb_printf(sb, ",\"unit_price\":\"%s\"", price);
    }
    /* the unit price the PDF and the fapiao print: price_unit_quantity x
     * rate is the amount within 0.01 (render_line_unit_price) */
    int64_t rate;
    if (render_line_unit_price(b, l, &rate) && rate >= 0) {
        money_format(rate, MONEY_PRICE_DIGITS, price, sizeof price);
        sb_printf(sb, ",\"rate\":\"%s\"", price);
    }
    render_json_money(sb, "amount", l->amount, b->minor_digits);
    if (l->index.month[0]) { /* the index publication it is priced at */
        const struct index_use *x = &l->index;
        char note[400];
        money_format(x->index_micro, MONEY_PRICE_DIGITS, price, sizeof price);
        sb_printf(sb, ",\"index\":{\"month\":\"%s\",\"value\":\"%s\",\"revision\":%lld", x->month,
                  price, (long long)x->revision);
        json_field(sb, "published_at", x->published_at);
        if (x->link.on) {
            sb_printf(sb, ",\"lag_months\":%d", x->link.lag_months);
            money_format(x->link.spread, MONEY_PRICE_DIGITS, price, sizeof price);
            sb_printf(sb, ",\"spread\":\"%s\"", price);
            money_format(x->link.floor, MONEY_PRICE_DIGITS, price, sizeof price);
            sb_printf(sb, x->link.floor >= 0 ? ",\"floor\":\"%s\"" : ",\"floor\":null", price);
            money_format(x->link.cap, MONEY_PRICE_DIGITS, price, sizeof price);
            sb_printf(sb, x->link.cap >= 0 ? ",\"cap\":\"%s\"" : ",\"cap\":null", price);
        }
        render_index_note(l, false, b->minor_digits, note, sizeof note);
        json_field(sb, "text_en", note);
        render_index_note(l, true, b->minor_digits, note, sizeof note);
        json_field(sb, "text_zh", note);
        sb_putc(sb, '}');
    }
    sb_putc(sb, '}');
}

static void render_json(const struct bill *b, const char *title, FILE *out)
{
    struct strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "{\"customer\":");
    sb_put_json_string(&sb, b->customer);
    json_field(&sb, "customer_name", b->customer_name);
    if (b->tax_id[0]) json_field(&sb, "customer_tax_id", b->tax_id);
    json_field(&sb, "contract", b->contract);
    json_field(&sb, "plan", b->plan);
    json_field(&sb, "period", b->period);
    json_field(&sb, "status", b->status[0] ? b->status : "statement");
    if (!strcmp(title, "Statement")) {
        /* a statement's only: issued says it is the issued invoice the month
         * stands on, not a pricing; source says which. An invoice's JSON
         * has its status, and no flag that could contradict it. */
        bool stands = !strcmp(b->status, "issued") && strcmp(b->kind, "credit_note");
        sb_printf(&sb, ",\"issued\":%s", stands ? "true" : "false");
        char source[96];
        if (b->status[0])
            snprintf(source, sizeof source, "%s %s%s%s", b->status,
                     strcmp(b->kind, "credit_note") ? "invoice" : "credit note",
                     b->number[0] ? " " : "", b->number);
        else
            snprintf(source, sizeof source, "priced live");
        json_field(&sb, "source", source);
    }
    if (b->number[0]) json_field(&sb, "number", b->number);
    if (b->kind[0]) json_field(&sb, "kind", b->kind);
    if (b->credits[0]) json_field(&sb, "credits", b->credits);
    if (b->issued_at[0]) json_field(&sb, "issued_at", b->issued_at);
    if (b->due_on[0]) { /* an issued invoice (issue 34): due day, state now, reminders */
        json_field(&sb, "due_on", b->due_on);
        json_field(&sb, "state", b->state);
        sb_printf(&sb, ",\"overdue\":%s,\"days_overdue\":%lld", b->overdue_days ? "true" : "false",
                  (long long)b->overdue_days);
        render_json_money(&sb, "open", b->open, b->minor_digits);
        json_field(&sb, "reminders", b->reminders);
    }
    if (b->fapiao_number[0]) json_field(&sb, "fapiao_number", b->fapiao_number);
    if (b->fapiao_date[0]) json_field(&sb, "fapiao_date", b->fapiao_date);
    if (b->void_code[0]) json_field(&sb, "void_code", b->void_code);
    json_field(&sb, "currency", b->currency);
    sb_puts(&sb, ",\"lines\":[");
    for (size_t i = 0; i < b->n; i++) {
        if (i) sb_putc(&sb, ',');
        json_line(&sb, b, &b->lines[i]);
    }
    sb_putc(&sb, ']');
    render_json_money(&sb, "subtotal", b->subtotal, b->minor_digits);
    char percent[32];
    render_percent(b->tax_ppm, percent, sizeof percent);
    sb_printf(&sb, ",\"tax_rate_ppm\":%lld,\"tax_rate\":\"%s\"", (long long)b->tax_ppm, percent);
    render_json_money(&sb, "tax", b->tax, b->minor_digits);
    render_json_money(&sb, "total", b->total, b->minor_digits);
    if (!strcmp(b->kind, "invoice") && b->number[0]) { /* issued: what credit notes left */
        render_json_money(&sb, "credited", b->credited, b->minor_digits);
        render_json_money(&sb, "remaining", b->total + b->credited, b->minor_digits);
        if (b->credit_notes[0]) json_field(&sb, "credit_notes", b->credit_notes);
    }
    if (b->credited_fapiao_number[0]) {
        json_field(&sb, "credits_fapiao_number", b->credited_fapiao_number);
        json_field(&sb, "credits_fapiao_date", b->credited_fapiao_date);
    }
    if (!strcmp(b->kind, "credit_note") && (b->void_code[0] || b->void_reason[0])) {
        /* reason: the note (free text, "" when none); the code's names beside
         * it, and reason_text all of it as the text and the PDF print it */
        const char *zh, *en;
        char reason[400];
        render_reason_names(b->void_code, &zh, &en);
        json_field(&sb, "reason", b->void_reason);
        json_field(&sb, "reason_zh", zh);
        json_field(&sb, "reason_en", en);
        render_reason_text(b->void_code, b->void_reason, reason, sizeof reason);
        json_field(&sb, "reason_text", reason);
    }
    sb_puts(&sb, ",\"vouchers\":[");
    for (int i = 0; i < b->nclaims; i++) {
        sb_puts(&sb, i ? ",{\"voucher\":" : "{\"voucher\":");
        sb_put_json_string(&sb, b->claims[i].voucher);
        json_field(&sb, "program", b->claims[i].program);
        json_field(&sb, "applies", b->claims[i].pre_tax ? "pre_tax" : "after_tax");
        render_json_money(&sb, "amount", b->claims[i].amount, b->minor_digits);
        sb_putc(&sb, '}');
    }
    sb_putc(&sb, ']');
    render_json_money(&sb, "claimed", b->claimed, b->minor_digits);
    render_json_money(&sb, "due", b->due, b->minor_digits);
    if (b->has_balances) { /* a statement: the receivables ledger now */
        render_json_money(&sb, "deposit_held", b->deposit_held, b->minor_digits);
        render_json_money(&sb, "prepaid_balance", b->prepaid, b->minor_digits);
    }
    sb_puts(&sb, "}\n");
    fputs(sb_str(&sb), out);
    sb_free(&sb);
}

/* A CSV row's units: a fixed-for-floating settlement has no meter, but its
 * quantity is the swap's notional in GPU-ms and its unit price the fixed
 * price a GPU-hour (docs/invoices.md), so its row names both units, or a
 * customer checking notional x (fixed - index) by hand would read a bare
 * 865800000 with no unit and no fixed price beside it. */
static const struct meter_units *csv_line_units(const struct bill_line *l)
{
    return meter_units(l->kind == LINE_INDEX_SWAP ? "gpu_ms" : l->meter);
}

static void render_csv(const struct bill *b, FILE *out)
{
    char price[32], amount[32];
    struct strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "kind,meter,model,band,site,detail,quantity,base_unit,unit_price,price_unit,"
                 "amount,currency\n");
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        const struct meter_units *u = csv_line_units(l);
        price[0] = '\0';
        if (l->kind == LINE_USAGE || l->kind == LINE_INDEX_SWAP)
            money_format(l->unit_price, MONEY_PRICE_DIGITS, price, sizeof price);
        money_format(l->amount, b->minor_digits, amount, sizeof amount);
        sb_printf(&sb, "%s,%s,", bill_kind_name(l->kind), l->meter);
        const char *text[] = {l->model, l->band, l->site, l->detail};
        for (int k = 0; k < 4; k++) {
            csv_field(&sb, text[k]);
            sb_putc(&sb, ',');
        }
        sb_printf(&sb, "%lld,%s,%s,%s,%s,%s\n", (long long)l->quantity, u ? u->base_unit : "",
                  price, u ? u->price_unit : "", amount, b->currency);
    }
    const struct {
        const char *kind;
        int64_t v;
    } sums[] = {{"subtotal", b->subtotal}, {"tax", b->tax}, {"total", b->total}};
    for (int i = 0; i < 3; i++) {
        money_format(sums[i].v, b->minor_digits, amount, sizeof amount);
        sb_printf(&sb, "%s,,,,,,,,,,%s,%s\n", sums[i].kind, amount, b->currency);
    }
    for (int i = 0; i < b->nclaims; i++)
        if (!b->claims[i].pre_tax) {
            money_format(b->claims[i].amount, b->minor_digits, amount, sizeof amount);
            sb_puts(&sb, "voucher_claim,,,,,");
            csv_field(&sb, b->claims[i].voucher);
            sb_printf(&sb, ",,,,,%s,%s\n", amount, b->currency);
        }
    money_format(b->due, b->minor_digits, amount, sizeof amount);
    sb_printf(&sb, "due,,,,,,,,,,%s,%s\n", amount, b->currency);
    if (b->credited) { /* an issued invoice with credit notes: what they took, what remains */
        money_format(b->credited, b->minor_digits, amount, sizeof amount);
        sb_printf(&sb, "credited,,,,,,,,,,%s,%s\n", amount, b->currency);
        money_format(b->total + b->credited, b->minor_digits, amount, sizeof amount);
        sb_printf(&sb, "remaining,,,,,,,,,,%s,%s\n", amount, b->currency);
    }
    fputs(sb_str(&sb), out);
    sb_free(&sb);
}

void render_bill(const struct bill *b, enum render_format f, const char *title, FILE *out)
{
    if (f == RENDER_JSON)
        render_json(b, title, out);
    else if (f == RENDER_CSV)
        render_csv(b, out);
    else
        render_text(b, title, out);
}

bool render_bill_file(const struct bill *b, enum render_format f, const char *title,
                      const struct seller *seller, const char *path)
{
    if (f == RENDER_PDF) return pdf_render(b, seller, path);
    FILE *out = fopen(path, "w");
    if (out) render_bill(b, f, title, out);
    if (!out || fclose(out) != 0) {
        log_error("cannot write %s", path);
        return false;
    }
    return true;
}
