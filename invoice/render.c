/* render: text, JSON and CSV views of a bill (see render.h). */
#include "invoice/render.h"

#include "core/money.h"
#include "core/strbuf.h"

#include <string.h>

bool render_parse_format(const char *s, enum render_format *f)
{
    static const char *const names[] = {"text", "json", "csv"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) {
            *f = (enum render_format)i;
            return true;
        }
    return false;
}

static void in_price_units(const struct bill_line *l, char *buf, size_t len)
{
    int64_t v = 0;
    money_div_round((__int128)l->quantity * MONEY_PRICE_SCALE, l->units_per_price, &v);
    money_format(v, MONEY_PRICE_DIGITS, buf, len);
}

static void render_text(const struct bill *b, const char *title, FILE *out)
{
    char qty[32], price[32], amount[32], label[48];
    fprintf(out, "%s%s%s\n", title, b->status[0] ? " " : "", b->status);
    fprintf(out, "customer  %s (%s)\nperiod    %s\nplan      %s\ncurrency  %s\n\n", b->customer,
            b->customer_name, b->period, b->plan, b->currency);
    fprintf(out, "%-3s %-10s %-12s %26s %28s %16s\n", "#", "meter", "model", "quantity",
            "unit price", "amount");
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        char q[80], pr[80];
        in_price_units(l, qty, sizeof qty);
        snprintf(q, sizeof q, "%s %s", qty, l->price_unit);
        if (l->billed) {
            money_format(l->unit_price, MONEY_PRICE_DIGITS, price, sizeof price);
            snprintf(pr, sizeof pr, "%s/%s", price, l->price_unit);
            money_format(l->amount, b->minor_digits, amount, sizeof amount);
        } else {
            snprintf(pr, sizeof pr, "not billed");
            snprintf(amount, sizeof amount, "-");
        }
        char model[112];
        snprintf(model, sizeof model, "%s%s%s", l->model[0] ? l->model : "-",
                 l->band[0] ? " @" : "", l->band);
        fprintf(out, "%-3zu %-10s %-12s %26s %28s %16s\n", i + 1, l->meter, model, q, pr, amount);
    }
    char rate[32];
    money_format(b->tax_ppm, 4, rate, sizeof rate);
    money_format(b->subtotal, b->minor_digits, amount, sizeof amount);
    fprintf(out, "\n%83s %16s\n", "subtotal", amount);
    money_format(b->tax, b->minor_digits, amount, sizeof amount);
    snprintf(label, sizeof label, "tax %s%%", rate);
    fprintf(out, "%83s %16s\n", label, amount);
    money_format(b->total, b->minor_digits, amount, sizeof amount);
    fprintf(out, "%83s %16s %s\n", "total", amount, b->currency);
}

static void json_money(struct strbuf *sb, const char *name, int64_t v, int digits)
{
    char buf[32];
    money_format(v, digits, buf, sizeof buf);
    sb_printf(sb, ",\"%s\":\"%s\",\"%s_minor\":%lld", name, buf, name, (long long)v);
}

static void json_field(struct strbuf *sb, const char *name, const char *value)
{
    sb_printf(sb, "\"%s\":", name);
    sb_put_json_string(sb, value);
}

static void render_json(const struct bill *b, FILE *out)
{
    struct strbuf sb = STRBUF_INIT;
    char price[32];
    sb_putc(&sb, '{');
    json_field(&sb, "customer", b->customer);
    sb_putc(&sb, ',');
    json_field(&sb, "customer_name", b->customer_name);
    sb_putc(&sb, ',');
    json_field(&sb, "plan", b->plan);
    sb_putc(&sb, ',');
    json_field(&sb, "period", b->period);
    sb_putc(&sb, ',');
    json_field(&sb, "status", b->status[0] ? b->status : "statement");
    sb_putc(&sb, ',');
    json_field(&sb, "currency", b->currency);
    sb_puts(&sb, ",\"lines\":[");
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        sb_puts(&sb, i ? ",{" : "{");
        json_field(&sb, "meter", l->meter);
        sb_putc(&sb, ',');
        json_field(&sb, "model", l->model);
        if (l->band[0]) {
            sb_putc(&sb, ',');
            json_field(&sb, "band", l->band);
            sb_printf(&sb, ",\"multiplier_ppm\":%lld", (long long)l->multiplier_ppm);
        }
        sb_printf(&sb, ",\"quantity\":%lld,", (long long)l->quantity);
        json_field(&sb, "base_unit", l->base_unit);
        sb_putc(&sb, ',');
        json_field(&sb, "price_unit", l->price_unit);
        sb_printf(&sb, ",\"billed\":%s", l->billed ? "true" : "false");
        if (l->billed) {
            money_format(l->unit_price, MONEY_PRICE_DIGITS, price, sizeof price);
            sb_printf(&sb, ",\"unit_price\":\"%s\"", price);
            json_money(&sb, "amount", l->amount, b->minor_digits);
        }
        sb_putc(&sb, '}');
    }
    sb_putc(&sb, ']');
    json_money(&sb, "subtotal", b->subtotal, b->minor_digits);
    sb_printf(&sb, ",\"tax_rate_ppm\":%lld", (long long)b->tax_ppm);
    json_money(&sb, "tax", b->tax, b->minor_digits);
    json_money(&sb, "total", b->total, b->minor_digits);
    sb_puts(&sb, "}\n");
    fputs(sb_str(&sb), out);
    sb_free(&sb);
}

/* Quotes a field that holds a comma, quote or line break (RFC 4180). */
static void csv_field(const char *s, FILE *out)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void render_csv(const struct bill *b, FILE *out)
{
    char price[32], amount[32];
    fputs("kind,meter,model,band,quantity,base_unit,unit_price,price_unit,amount,currency\n", out);
    for (size_t i = 0; i < b->n; i++) {
        const struct bill_line *l = &b->lines[i];
        price[0] = amount[0] = '\0';
        if (l->billed) {
            money_format(l->unit_price, MONEY_PRICE_DIGITS, price, sizeof price);
            money_format(l->amount, b->minor_digits, amount, sizeof amount);
        }
        fprintf(out, "%s,%s,", l->billed ? "usage" : "unbilled", l->meter);
        csv_field(l->model, out);
        fputc(',', out);
        csv_field(l->band, out);
        fprintf(out, ",%lld,%s,%s,%s,%s,%s\n", (long long)l->quantity, l->base_unit, price,
                l->price_unit, amount, b->currency);
    }
    const struct {
        const char *kind;
        int64_t v;
    } sums[] = {{"subtotal", b->subtotal}, {"tax", b->tax}, {"total", b->total}};
    for (int i = 0; i < 3; i++) {
        money_format(sums[i].v, b->minor_digits, amount, sizeof amount);
        fprintf(out, "%s,,,,,,,,%s,%s\n", sums[i].kind, amount, b->currency);
    }
}

void render_bill(const struct bill *b, enum render_format f, const char *title, FILE *out)
{
    if (f == RENDER_JSON)
        render_json(b, out);
    else if (f == RENDER_CSV)
        render_csv(b, out);
    else
        render_text(b, title, out);
}
