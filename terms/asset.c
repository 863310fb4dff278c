/* asset: `gpumeter tariff|asset ...`: the operator's costs (asset_doc.h)
 * through the one document life cycle (docstore.h). Both name a site that
 * must have a site document (its PUE turns IT energy into facility
 * energy), in the currency of the operator's books. Nothing issued depends
 * on them, so a version may be replaced at any time; every change is in
 * audit_log. */
#include "terms/asset.h"

#include "commands.h"
#include "core/cli.h"
#include "core/db.h"
#include "terms/asset_doc.h"

#include <stdio.h>

static bool tariff_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return tariff_doc_parse(doc, out, c);
}

static void tariff_identify(const void *parsed, struct doc_identity *id)
{
    const struct tariff *t = parsed;
    snprintf(id->code, sizeof id->code, "%s", t->site);
    snprintf(id->currency, sizeof id->currency, "%s", t->currency);
    id->effective_from = t->effective_from;
}

static bool tariff_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    return docstore_site_known(conn, ((const struct tariff *)parsed)->site, "$.site", c);
}

const struct doc_kind tariff_kind = {
    "tariff", true, sizeof(struct tariff), tariff_parse, tariff_identify, tariff_check, NULL, NULL,
    false};

static bool asset_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return asset_doc_parse(doc, out, c);
}

static void asset_identify(const void *parsed, struct doc_identity *id)
{
    const struct asset *a = parsed;
    snprintf(id->code, sizeof id->code, "%s", a->code);
    snprintf(id->currency, sizeof id->currency, "%s", a->currency);
    id->effective_from = a->effective_from;
}

static bool asset_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    return docstore_site_known(conn, ((const struct asset *)parsed)->site, "$.site", c);
}

const struct doc_kind asset_kind = {
    "asset", true, sizeof(struct asset), asset_parse, asset_identify, asset_check, NULL, NULL,
    false};

DOC_COMMANDS(tariff, tariff_kind)
DOC_COMMANDS(asset, asset_kind)

static const struct cli_command tariff_table[] = {
    {"apply", tariff_apply, "validate a site's energy tariff and store it", NULL},
    {"list", tariff_list, "list tariff versions", NULL},
    {"show", tariff_show, "print the version in effect on a date", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(tariff, "gpumeter tariff", tariff_table)

static const struct cli_command asset_table[] = {
    {"apply", asset_apply, "validate a fleet's size, cost and life and store it", NULL},
    {"list", asset_list, "list asset versions", NULL},
    {"show", asset_show, "print the version in effect on a date", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(asset, "gpumeter asset", asset_table)
