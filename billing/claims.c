/* claims: see claims.h. */
#include "billing/claims.h"

#include "core/db.h"

PGresult *claims_read(PGconn *conn, const char *program, const char *first_day)
{
    const char *p[] = {program, first_day};
    return db_query(
        conn, "read the voucher redemptions",
        "SELECT c.code, r.voucher, coalesce(i.number, '-'), i.status, "
        "       sum(r.signed_amount)::bigint, cur.minor_digits, i.currency, r.program "
        "FROM voucher_redemption_signed r JOIN customer c ON c.id = r.customer_id "
        "JOIN invoice i ON i.id = r.invoice_id JOIN currency cur ON cur.code = i.currency "
        "WHERE ($1::text IS NULL OR r.program = $1) AND r.period = $2::date "
        "GROUP BY r.program, c.code, r.voucher, i.number, i.status, cur.minor_digits, "
        "         i.currency, i.id "
        "ORDER BY r.program, i.currency, c.code, r.voucher, i.id",
        2, p);
}
