/* payment_view: the bank credits and recorded payments (see payment_view.h). */
#include "billing/payment_view.h"

#include "core/csv.h"
#include "core/db.h"

#include <string.h>

static const char view_sql[] =
    "SELECT b.bank_ref, b.booked_on, b.amount_minor, "
    "       round(b.amount_minor::numeric / (10::numeric ^ cur.minor_digits), "
    "             cur.minor_digits)::text, "
    "       b.charges_minor, "
    "       round(b.charges_minor::numeric / (10::numeric ^ cur.minor_digits), "
    "             cur.minor_digits)::text, "
    "       b.currency, b.status, coalesce(b.matched_by, ''), coalesce(c.code, ''), "
    "       coalesce(b.debtor_name, ''), b.remittance "
    "FROM bank_credit b JOIN currency cur ON cur.code = b.currency "
    "LEFT JOIN customer c ON c.id = b.customer_id "
    "WHERE (NOT $1::boolean OR b.status = 'unapplied') "
    "  AND ($2::text IS NULL OR c.code = $2) ORDER BY b.booked_on, b.id";

enum { V_REF, V_BOOKED, V_AMOUNT_MINOR, V_AMOUNT, V_CHARGES_MINOR, V_CHARGES, V_CURRENCY,
       V_STATUS, V_MATCHED, V_CUSTOMER, V_PAYER, V_REMITTANCE, V_COLUMNS };

/* The CSV's columns, as `payment list` has always printed them. */
static const int csv_columns[] = {V_REF,    V_BOOKED,  V_AMOUNT,   V_CHARGES, V_CURRENCY,
                                  V_STATUS, V_MATCHED, V_CUSTOMER, V_PAYER,   V_REMITTANCE};

static void json_text(struct strbuf *out, const char *name, const char *value, bool null_if_empty)
{
    sb_printf(out, ",\"%s\":", name);
    if (null_if_empty && !value[0]) sb_puts(out, "null");
    else sb_put_json_string(out, value);
}

bool payment_view(PGconn *conn, bool unapplied, const char *customer, enum report_format format,
                  struct strbuf *out)
{
    const char *p[] = {unapplied ? "t" : "f", customer};
    PGresult *res = db_query(conn, "list the payments", view_sql, 2, p);
    if (!res) return false;
    if (format == REPORT_JSON) sb_puts(out, "{\"payments\":[");
    else
        sb_puts(out, "bank_ref,booked_on,amount,charges,currency,status,matched_by,customer,"
                     "payer,remittance\n");
    for (int i = 0; i < PQntuples(res); i++) {
        if (format == REPORT_JSON) {
            sb_printf(out, "%s{\"bank_ref\":", i ? "," : "");
            sb_put_json_string(out, PQgetvalue(res, i, V_REF));
            sb_printf(out, ",\"booked_on\":\"%s\",\"amount_minor\":%s,\"charges_minor\":%s",
                      PQgetvalue(res, i, V_BOOKED), PQgetvalue(res, i, V_AMOUNT_MINOR),
                      PQgetvalue(res, i, V_CHARGES_MINOR));
            json_text(out, "amount", PQgetvalue(res, i, V_AMOUNT), false);
            json_text(out, "charges", PQgetvalue(res, i, V_CHARGES), false);
            json_text(out, "currency", PQgetvalue(res, i, V_CURRENCY), false);
            json_text(out, "status", PQgetvalue(res, i, V_STATUS), false);
            json_text(out, "matched_by", PQgetvalue(res, i, V_MATCHED), true);
            json_text(out, "customer", PQgetvalue(res, i, V_CUSTOMER), true);
            json_text(out, "payer", PQgetvalue(res, i, V_PAYER), true);
            json_text(out, "remittance", PQgetvalue(res, i, V_REMITTANCE), false);
            sb_putc(out, '}');
        } else {
            for (size_t k = 0; k < sizeof csv_columns / sizeof csv_columns[0]; k++) {
                if (k) sb_putc(out, ',');
                csv_field(out, PQgetvalue(res, i, csv_columns[k]));
            }
            sb_putc(out, '\n');
        }
    }
    if (format == REPORT_JSON) sb_puts(out, "]}\n");
    PQclear(res);
    return true;
}
