/* npusmi: `npu-smi info` tables to device readings (see npusmi.h). */
#include "core/alloc.h"
#include "core/decimal.h"
#include "ingest/npusmi.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CELLS  8
#define MAX_TOKENS 4

struct text {
    const char *p;
    size_t n;
};

/* A card (NPU id) and the power npu-smi printed for it. */
struct card {
    char npu[16];
    bool has_power;
    int64_t power_mw;
};

/* One die and the card it belongs to (indexes: set->v may move). */
struct die {
    size_t card, reading;
};

struct npusmi_ctx {
    struct device_source *src;
    struct card *cards;
    size_t ncards, cards_cap;
    struct die *dies;
    size_t ndies, dies_cap;
    bool phy_column; /* the chip heading names a Phy-ID (or Device) column */
    bool a3_heading; /* ... a Phy-ID one: A3 (910_93) tables, whose Name is "Ascend910" */
    /* the NPU row waiting for its chip row */
    bool pending;
    long pending_line;
    size_t pending_card;
    char pending_name[65];
};

static struct text trim(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    return (struct text){p, n};
}

/* "| a | b |" -> its cells, trimmed; the count, MAX_CELLS + 1 if more. */
static size_t cells_of(const char *line, size_t n, struct text *out)
{
    size_t k = 0;
    const char *p = line + 1, *end = line + n; /* after the leading '|' */
    while (p < end) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        const char *e = bar ? bar : end;
        struct text t = trim(p, (size_t)(e - p));
        if (!bar && t.n == 0) break; /* after the closing '|' */
        if (k == MAX_CELLS) return k + 1;
        out[k++] = t;
        p = bar ? bar + 1 : end;
    }
    return k;
}

static size_t tokens_of(struct text cell, struct text *out)
{
    size_t k = 0;
    const char *p = cell.p, *end = cell.p + cell.n;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *s = p;
        while (p < end && !isspace((unsigned char)*p))
            p++;
        if (p == s) break;
        if (k == MAX_TOKENS) return k + 1;
        out[k++] = (struct text){s, (size_t)(p - s)};
    }
    return k;
}

static bool is(struct text t, const char *word)
{
    return t.n == strlen(word) && !memcmp(t.p, word, t.n);
}

static bool starts(struct text t, const char *word)
{
    return t.n >= strlen(word) && !memcmp(t.p, word, strlen(word));
}

/* An id npu-smi prints: 1 to 9 digits. */
static bool is_id(struct text t)
{
    if (t.n == 0 || t.n > 9) return false;
    for (size_t i = 0; i < t.n; i++)
        if (!isdigit((unsigned char)t.p[i])) return false;
    return true;
}

static struct card *card_of(struct npusmi_ctx *c, struct text npu, size_t *index)
{
    for (size_t i = 0; i < c->ncards; i++)
        if (is(npu, c->cards[i].npu)) return &c->cards[*index = i];
    ALLOC_GROW(c->cards, c->ncards, c->cards_cap, 8);
    struct card *k = &c->cards[*index = c->ncards++];
    memset(k, 0, sizeof *k);
    snprintf(k->npu, sizeof k->npu, "%.*s", (int)npu.n, npu.p);
    return k;
}

/* An NPU row: "<npu> <name>" | health | "<power> <temp> ...". */
static void npu_row(struct npusmi_ctx *c, const struct text *tok, const struct text *cell,
                    long lineno)
{
    struct rejects *rej = c->src->rejects;
    if (c->pending)
        rejects_bad_line(rej, c->pending_line, "NPU row without its chip row");
    c->pending = false;
    if (!is_id(tok[0]) || tok[1].n >= sizeof c->pending_name) {
        rejects_bad_line(rej, lineno, "NPU id or name not understood");
        return;
    }
    snprintf(c->pending_name, sizeof c->pending_name, "%.*s", (int)tok[1].n, tok[1].p);
    if (!cycle_ident_valid(c->pending_name, sizeof c->pending_name - 1)) {
        rejects_bad_line(rej, lineno, "NPU name not printable");
        return;
    }
    struct card *k = card_of(c, tok[0], &c->pending_card);
    c->pending = true;
    c->pending_line = lineno;
    struct text power[MAX_TOKENS + 1];
    size_t np = tokens_of(cell[2], power);
    /* "-": A3's second die, whose card's draw is on chip 0's row; "NA": 310P */
    if (np == 0 || is(power[0], "-") || is(power[0], "NA") || is(power[0], "N/A") || k->has_power)
        return;
    int64_t mw;
    if (!decimal_parse(power[0].p, power[0].n, 3, DECIMAL_TRUNCATE, &mw) || mw < 0 ||
        mw > DEVICE_MAX_POWER_MW) {
        rejects_bad_line(rej, lineno, "power %.*s is not a number of watts",
                         (int)(power[0].n < 16 ? power[0].n : 16), power[0].p);
        return;
    }
    k->has_power = true;
    k->power_mw = mw;
}

/* A chip row: "<chip> [<phy-id>]" | bus-id | ...: one die of the NPU row before it. */
static void chip_row(struct npusmi_ctx *c, const struct text *tok, size_t ntok, long lineno)
{
    struct device_source *src = c->src;
    if (!c->pending) {
        rejects_bad_line(src->rejects, lineno, "chip row without its NPU row");
        return;
    }
    c->pending = false;
    if (ntok != (c->phy_column ? 2u : 1u) || !is_id(tok[0]) || (ntok == 2 && !is_id(tok[1]))) {
        rejects_bad_line(src->rejects, lineno, "chip %s not understood",
                         c->phy_column ? "and Phy-ID" : "id");
        return;
    }
    const struct card *k = &c->cards[c->pending_card];
    char device[48], key[170];
    if (ntok == 2)
        snprintf(device, sizeof device, "npu-%.*s", (int)tok[1].n, tok[1].p);
    else if (is(tok[0], "0"))
        snprintf(device, sizeof device, "npu-%s", k->npu);
    else
        snprintf(device, sizeof device, "npu-%s-%.*s", k->npu, (int)tok[0].n, tok[0].p);
    const char *node = device_node(src, NULL);
    snprintf(key, sizeof key, "%s/%s", node, device);
    size_t before = src->set->n;
    struct device_reading *r = device_get(src->set, key, "", node, device);
    if (src->set->n == before) {
        rejects_bad_line(src->rejects, lineno, "%s appears twice", device);
        return;
    }
    /* A3's npu-smi calls the 910_93 "Ascend910" (npusmi.h); npu-exporter
     * and older tools call the first Ascend 910 so */
    bool a3 = c->a3_heading && !strcmp(c->pending_name, "Ascend910");
    snprintf(r->model, sizeof r->model, "%s", a3 ? "Ascend910_93" : c->pending_name);
    r->model_reported = true;
    strcpy(r->vendor, "huawei");
    const char *account = device_mapped_account(src, key, node);
    device_add_tenant(r, account ? account : src->account, NULL);
    ALLOC_GROW(c->dies, c->ndies, c->dies_cap, 16);
    c->dies[c->ndies++] = (struct die){c->pending_card, before};
}

/* A heading row: the table's, the chip heading's or the process table's. */
static bool heading(struct npusmi_ctx *c, const struct text *tok, size_t ntok,
                    const struct text *cell, size_t ncell, bool *processes, bool *devices)
{
    if (is(tok[0], "NPU") && ncell >= 2 && starts(cell[1], "Process")) {
        *processes = true; /* processes, not devices: the rest is not metered */
        return true;
    }
    if (is(tok[0], "NPU") && ncell >= 2 && is(cell[1], "Health")) {
        *devices = true;
        return true;
    }
    if (is(tok[0], "Chip")) {
        c->phy_column = ntok >= 2; /* "Phy-ID" (A3), "Device" (310P, 310B) */
        c->a3_heading = ntok >= 2 && is(tok[1], "Phy-ID");
        return true;
    }
    return false;
}

/* The card's draw over its dies in the input, exactly (npusmi.h): the one
 * equal split of device.h. */
static void split_power(struct npusmi_ctx *c)
{
    int64_t *part = xcalloc(c->ndies + 1, sizeof *part);
    size_t *which = xcalloc(c->ndies + 1, sizeof *which);
    for (size_t k = 0; k < c->ncards; k++) {
        if (!c->cards[k].has_power) continue;
        size_t n = 0;
        for (size_t i = 0; i < c->ndies; i++)
            if (c->dies[i].card == k) which[n++] = c->dies[i].reading;
        if (n == 0) continue;
        device_split_equally(c->cards[k].power_mw, n, part);
        for (size_t i = 0; i < n; i++) {
            struct device_reading *r = &c->src->set->v[which[i]];
            r->has_power = true;
            r->power_mw = part[i];
        }
    }
    free(part);
    free(which);
}

void npusmi_parse(const char *text, size_t len, struct device_source *src)
{
    struct npusmi_ctx c = {.src = src};
    struct line_reader lr = {text, text + len, 0};
    struct line l;
    bool devices = false, processes = false;
    while (!processes && rejects_line_next(&lr, &l)) {
        struct text line = trim(l.p, l.n);
        if (line.n == 0 || line.p[0] == '+') continue; /* a border */
        if (memchr(line.p, '\0', line.n)) { /* a name read on would end at it */
            rejects_bad_line(src->rejects, lr.lineno, "NUL byte in the line");
            continue;
        }
        struct text cell[MAX_CELLS + 1], tok[MAX_TOKENS + 1];
        size_t ncell = line.p[0] == '|' ? cells_of(line.p, line.n, cell) : 0;
        size_t ntok = ncell ? tokens_of(cell[0], tok) : 0;
        if (ncell == 0 || ntok == 0 || ncell > MAX_CELLS || ntok > MAX_TOKENS) {
            rejects_bad_line(src->rejects, lr.lineno, "not a row of the npu-smi info table");
            continue;
        }
        if (is(tok[0], "npu-smi")) continue; /* the version line */
        if (heading(&c, tok, ntok, cell, ncell, &processes, &devices)) continue;
        if (!devices || ncell < 3) {
            rejects_bad_line(src->rejects, lr.lineno, "%s",
                             devices ? "a device row has 3 cells" : "a row before the heading");
            continue;
        }
        if (!l.terminated) {
            rejects_bad_line(src->rejects, lr.lineno, "last line cut off (no newline at the end)");
            break;
        }
        /* a chip row's second cell is its Bus-Id ("NA" on 310B SoCs, absent
         * from some 310B tables), its first only numbers; an NPU row's first
         * cell names the chip */
        if (memchr(cell[1].p, ':', cell[1].n) || (is_id(tok[0]) && (ntok < 2 || is_id(tok[1]))))
            chip_row(&c, tok, ntok, lr.lineno);
        else if (ntok >= 2)
            npu_row(&c, tok, cell, lr.lineno);
        else
            rejects_bad_line(src->rejects, lr.lineno, "NPU row without a name");
    }
    if (c.pending) rejects_bad_line(src->rejects, c.pending_line, "NPU row without its chip row");
    if (!devices && !src->rejects->unusable[0])
        rejects_unusable(src->rejects, "no npu-smi info table heading (NPU Name | Health)");
    split_power(&c);
    free(c.cards);
    free(c.dies);
}
