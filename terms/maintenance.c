/* maintenance: `gpumeter maintenance ...`, the operator's announced
 * maintenance windows (see maintenance.h, docs/availability.md). */
#include "terms/maintenance.h"

#include "commands.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "terms/maintenance_doc.h"

#include <stdio.h>
#include <string.h>

static bool maintenance_parse(const cJSON *doc, void *out, struct doc_check *c)
{
    return maintenance_doc_parse(doc, out, c);
}

static void maintenance_identify(const void *parsed, struct doc_identity *id)
{
    const struct maintenance *m = parsed;
    snprintf(id->code, sizeof id->code, "%s", m->code);
    id->effective_from = m->effective_from;
}

/* Every window's site has a site document (each site looked up once). */
static bool maintenance_check(PGconn *conn, const void *parsed, struct doc_check *c)
{
    const struct maintenance *m = parsed;
    for (int i = 0; i < m->nwindows; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(m->windows[j].site, m->windows[i].site);
        char path[DOC_PATH_LEN];
        snprintf(path, sizeof path, "$.windows[%d].site", i);
        if (!seen && !docstore_site_known(conn, m->windows[i].site, path, c)) return false;
    }
    return true;
}

/* The windows become rows (schema 048) under the configured notice; each
 * one announced too late is named, since it will exclude nothing. */
static bool maintenance_stored(PGconn *conn, const void *parsed, struct doc_check *c)
{
    (void)c;
    const struct maintenance *m = parsed;
    struct config cfg;
    if (config_load(&cfg) != 0) return false;
    char from[16], notice[24];
    time_format_date(m->effective_from, from);
    snprintf(notice, sizeof notice, "%ld", cfg.maintenance_notice_hours);
    const char *p[] = {m->code, from, notice};
    PGresult *res = db_query(conn, "store the maintenance windows",
                             "SELECT maintenance_store($1, $2::date, $3::integer)", 3, p);
    if (!res) return false;
    PQclear(res);
    /* the notice counts from the later of announced_at and the moment
     * gpumeter first held the window: say which, and "after its start"
     * for a window recorded or announced once it had begun */
    res = db_query(conn, "check the notice of the windows",
                   "SELECT idx, round(abs(extract(epoch FROM m.starts - greatest(m.announced_at, "
                   "m.recorded_at))) / 3600, 1), greatest(m.announced_at, m.recorded_at) > "
                   "m.starts, m.recorded_at > m.announced_at FROM maintenance_window m "
                   "WHERE code = $1 AND effective_from = $2::date AND NOT "
                   "maintenance_announced(m) ORDER BY idx",
                   2, p);
    for (int i = 0; res && i < PQntuples(res); i++) {
        bool after = PQgetvalue(res, i, 2)[0] == 't', held = PQgetvalue(res, i, 3)[0] == 't';
        log_warn("$.windows[%s]: %s %s hours %s its start%s, under the %s hours of notice "
                 "maintenance.notice_hours asks: an unannounced outage, it excludes no downtime",
                 PQgetvalue(res, i, 0), held ? "first held by gpumeter" : "announced",
                 PQgetvalue(res, i, 1), after ? "after" : "before",
                 held ? " (notice counts from then, not from announced_at)" : "", notice);
    }
    bool ok = res != NULL;
    PQclear(res);
    return ok;
}

const struct doc_kind maintenance_kind = {
    "maintenance",      true, sizeof(struct maintenance), maintenance_parse, maintenance_identify,
    maintenance_check, maintenance_stored, NULL, true};

static int maintenance_apply(int argc, char **argv)
{
    return docstore_apply(&maintenance_kind, argc, argv);
}

static int maintenance_show(int argc, char **argv)
{
    return docstore_show(&maintenance_kind, argc, argv);
}

static int maintenance_diff(int argc, char **argv)
{
    return docstore_diff(&maintenance_kind, argc, argv);
}

/* Every window of every version, with whether it was announced in time. */
static int maintenance_windows(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{0}};
    const struct cli_spec spec = {
        "gpumeter maintenance list",
        "List every window of every version: code, version, scope (site[/node[/device]]), "
        "start and end (UTC), announced or unannounced (maintenance.notice_hours), reason.",
        opts, 0, 0};
    return cli_list(&spec, argc, argv, "list maintenance windows",
                    "SELECT code, to_char(effective_from, 'YYYY-MM-DD'), "
                    "site || coalesce('/' || node, '') || coalesce('/' || device, ''), "
                    "to_char(starts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                    "to_char(ends AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                    "CASE WHEN maintenance_announced(m) THEN 'announced' "
                    "ELSE 'unannounced' END, reason "
                    "FROM maintenance_window m ORDER BY code, effective_from, idx",
                    0, NULL, "%-20s %-10s  %-40s %-20s  %-20s  %-11s  %s\n",
                    (const char *const[]){"CODE", "VERSION", "SCOPE", "STARTS", "ENDS",
                                          "NOTICE", "REASON", NULL});
}

static const struct cli_command maintenance_table[] = {
    {"apply", maintenance_apply, "validate the operator's maintenance windows and store them",
     NULL},
    {"list", maintenance_windows, "list every window, announced or not", NULL},
    {"show", maintenance_show, "print the version in effect on a date", NULL},
    {"diff", maintenance_diff, "show what applying a document would change", NULL},
    {NULL, NULL, NULL, NULL},
};

CLI_FAMILY(maintenance, "gpumeter maintenance", maintenance_table)
