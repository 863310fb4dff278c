/* nvsmi: nvidia-smi --query-gpu CSV to device readings (see nvsmi.h). */
#include "core/decimal.h"
#include "ingest/nvsmi.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_COLUMNS 512

enum column { COL_UUID, COL_NAME, COL_POWER, COL_POWER_AVG, COL_POWER_INSTANT, COL_HOST, NCOLS };
static const char *const column_names[NCOLS] = {
    "uuid", "name", "power.draw", "power.draw.average", "power.draw.instant", "hostname"};

struct field {
    const char *p;
    size_t n;
};

static size_t split(const char *line, size_t len, struct field *out)
{
    size_t n = 0;
    const char *p = line, *end = line + len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *s = p;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (n == MAX_COLUMNS) return n + 1;
        out[n++] = (struct field){s, (size_t)(e - s)};
        if (!comma) return n;
        p = comma + 1;
    }
}

/* "power.draw [W]" names column power.draw. */
static bool field_is(const struct field *f, const char *name)
{
    size_t n = f->n;
    const char *bracket = memchr(f->p, '[', n);
    if (bracket) n = (size_t)(bracket - f->p);
    while (n && f->p[n - 1] == ' ')
        n--;
    return n == strlen(name) && !memcmp(f->p, name, n);
}

/* "[N/A]", "N/A" and "[Some message]" are no value. Units after the number
 * ("631.95 W") are dropped. */
static bool field_value(const struct field *f, char *buf, size_t cap)
{
    if (f->n == 0 || f->p[0] == '[' || (f->n == 3 && !memcmp(f->p, "N/A", 3))) return false;
    size_t n = f->n < cap - 1 ? f->n : cap - 1;
    memcpy(buf, f->p, n);
    buf[n] = '\0';
    return true;
}

static bool power_mw(const struct field *f, int64_t *mw, bool *bad)
{
    char v[64];
    if (!field_value(f, v, sizeof v)) return false;
    char *space = strchr(v, ' ');
    if (space && !strcmp(space, " W")) *space = '\0';
    *bad = !decimal_parse(v, strlen(v), 3, DECIMAL_TRUNCATE, mw) || *mw > DEVICE_MAX_POWER_MW;
    return !*bad;
}

static void row(struct device_source *src, const int *col, const struct field *f, size_t nf,
                long lineno)
{
    char uuid[97], name[65], host[65];
    if (!field_value(&f[col[COL_UUID]], uuid, sizeof uuid) || !cycle_ident_valid(uuid, 96)) {
        rejects_bad_line(src->rejects, lineno, "no usable uuid");
        return;
    }
    const char *node =
        device_node(src, col[COL_HOST] >= 0 && field_value(&f[col[COL_HOST]], host, sizeof host) &&
                                 cycle_ident_valid(host, 64)
                             ? host
                             : NULL);
    struct device_reading *r = device_get(src->set, uuid, "", node, uuid);
    bool has_name = col[COL_NAME] >= 0 && field_value(&f[col[COL_NAME]], name, sizeof name) &&
                    cycle_ident_valid(name, 64);
    snprintf(r->model, sizeof r->model, "%s", has_name ? name : src->model);
    strcpy(r->vendor, "nvidia");
    bool bad = false;
    for (int c = COL_POWER; c <= COL_POWER_INSTANT && !r->has_power && !bad; c++)
        if (col[c] >= 0 && (size_t)col[c] < nf)
            r->has_power = power_mw(&f[col[c]], &r->power_mw, &bad);
    if (bad) {
        rejects_bad_line(src->rejects, lineno, "power.draw is not a number of watts");
        r->has_power = false;
    }
    const char *account = device_mapped_account(src, uuid, r->node);
    if (!account) account = src->account;
    if (account) device_add_tenant(r, account, NULL);
}

void nvsmi_parse(const char *text, size_t len, struct device_source *src)
{
    static __thread struct field f[MAX_COLUMNS + 1];
    int col[NCOLS];
    size_t ncols = 0;
    struct line_reader lr = {text, text + len, 0};
    struct line l;
    while (rejects_line_next(&lr, &l)) {
        long lineno = lr.lineno;
        const char *line = l.p;
        size_t n = l.n;
        while (n && line[n - 1] == ' ')
            n--;
        if (n == 0) continue;
        size_t nf = split(line, n, f);
        if (ncols == 0) { /* the header */
            ncols = nf;
            for (int c = 0; c < NCOLS; c++) {
                col[c] = -1;
                for (size_t i = 0; i < nf && i < MAX_COLUMNS && col[c] < 0; i++)
                    if (field_is(&f[i], column_names[c])) col[c] = (int)i;
            }
            if (nf > MAX_COLUMNS || col[COL_UUID] < 0 || col[COL_POWER] < 0) {
                rejects_unusable(src->rejects,
                                "the header (line %ld) needs uuid and power.draw columns, at most "
                                "%d in all",
                                lineno, MAX_COLUMNS);
                return;
            }
            continue;
        }
        if (nf != ncols) {
            rejects_bad_line(src->rejects, lineno, "%zu fields where the header has %zu", nf,
                             ncols);
            continue;
        }
        if (!l.terminated) {
            rejects_bad_line(src->rejects, lineno, "last line cut off (no newline at the end)");
            break;
        }
        row(src, col, f, nf, lineno);
    }
}
