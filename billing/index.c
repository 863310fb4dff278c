/* index: `gpumeter index publish --period YYYY-MM`, a publication of the
 * realised compute price index (billing/price_index.h; docs/investor.md,
 * "Publications and revisions"). `report index` reads it. */
#include "billing/price_index.h"
#include "commands.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"

#include <stdio.h>

static int index_publish(int argc, char **argv)
{
    const char *period = NULL;
    const struct cli_opt opts[] = {
        {"period", CLI_STR, &period, "YYYY-MM", "month (required)", 0, 0},
        {0},
    };
    const struct cli_spec spec = {
        "gpumeter index publish --period YYYY-MM",
        "Publishes the month's price index as it stands: each model whose figures differ from "
        "its last publication gets a revision; both are kept (docs/investor.md).",
        opts, 0, 0};
    int npos, rc;
    char first_day[16];
    enum cli_result r = cli_parse(&spec, argc, argv, &npos);
    if (r != CLI_OK) return cli_exit_code(r);
    if (!cli_period(&spec, period, first_day)) return CLI_EXIT_USAGE;
    struct config cfg;
    PGconn *conn = db_open(&cfg, &rc);
    if (!conn) return rc;
    struct price_index_published done;
    bool ok = price_index_publish(conn, period, cfg.index_min_contracts, &done);
    if (ok)
        printf("price index %s: %lld published first, %lld revised, %lld unchanged\n", period,
               done.first, done.revisions, done.unchanged);
    PQfinish(conn);
    return ok ? 0 : 1;
}

static const struct cli_command index_table[] = {
    {"publish", index_publish, "publish a month's price index; a changed value is a revision",
     NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(index, "gpumeter index", index_table)
