/* balances: a statement's deposit held and prepaid balance (see
 * balances.h), read from the ledger's customer_balance view. */
#include "billing/balances.h"

#include "core/db.h"

static const char balances_sql[] =
    "SELECT coalesce(sum(b.deposit), 0), coalesce(sum(b.credit), 0) "
    "FROM customer c JOIN customer_balance b ON b.customer_id = c.id AND b.currency = $2 "
    "WHERE c.code = $1";

bool balances_read(PGconn *conn, struct bill *b)
{
    const char *p[] = {b->customer, b->currency};
    PGresult *res = db_query(conn, "read the customer's balances", balances_sql, 2, p);
    bool ok = res && db_get_int64(res, 0, 0, &b->deposit_held) &&
              db_get_int64(res, 0, 1, &b->prepaid);
    b->has_balances = ok;
    PQclear(res);
    return ok;
}
