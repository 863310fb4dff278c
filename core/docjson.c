/* docjson: path-tagged document checks (see docjson.h). */
#include "docjson.h"

#include "decimal.h"
#include "json.h"
#include "money.h"
#include "timeutil.h"
#include "utf8.h"
#include "alloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX_MEMBERS 4096 /* per object: duplicate keys are found by a linear scan */

void doc_error(struct doc_check *c, const char *path, const char *fmt, ...)
{
    if (c->n++ >= DOC_MAX_ERRORS) return;
    sb_printf(&c->errors, "%s: ", path);
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    sb_puts(&c->errors, why);
    sb_putc(&c->errors, '\n');
}

/* Paths deeper than DOC_PATH_LEN are cut short; they stay readable. */
static void path_append(char *tmp, size_t *n, const char *s)
{
    while (*s && *n < DOC_PATH_LEN - 1)
        tmp[(*n)++] = *s++;
    tmp[*n] = '\0';
}

void doc_path(char *buf, const char *parent, const char *field)
{
    char tmp[DOC_PATH_LEN];
    size_t n = 0;
    path_append(tmp, &n, parent);
    path_append(tmp, &n, ".");
    path_append(tmp, &n, field);
    memcpy(buf, tmp, n + 1);
}

void doc_path_index(char *buf, const char *parent, int index)
{
    char tmp[DOC_PATH_LEN], num[24];
    size_t n = 0;
    snprintf(num, sizeof num, "[%d]", index);
    path_append(tmp, &n, parent);
    path_append(tmp, &n, num);
    memcpy(buf, tmp, n + 1);
}

struct frame {
    cJSON *node;
    char path[DOC_PATH_LEN];
    int members; /* an object's keys */
    int items;   /* an array's items: cJSON_GetArraySize walks the list, quadratic on big arrays */
};

/* The cJSON value of a scalar token (validated by the reader). */
static cJSON *scalar(const struct json_token *t)
{
    switch (t->kind) {
    case JSON_STRING: {
        char *s = xmalloc(t->n + 1); /* decoding never makes a string longer */
        json_string(t, s, t->n + 1);
        cJSON *item = cJSON_CreateString(s);
        free(s);
        return item;
    }
    case JSON_NUMBER: {
        char buf[512];
        size_t n = t->n < sizeof buf - 1 ? t->n : sizeof buf - 1;
        memcpy(buf, t->p, n);
        buf[n] = '\0';
        return cJSON_CreateNumber(strtod(buf, NULL)); /* out of range reads as +-HUGE_VAL */
    }
    case JSON_TRUE:
        return cJSON_CreateTrue();
    case JSON_FALSE:
        return cJSON_CreateFalse();
    default:
        return cJSON_CreateNull();
    }
}

static bool has_member(const cJSON *obj, const char *name)
{
    for (const cJSON *it = obj->child; it; it = it->next)
        if (!strcmp(it->string, name)) return true;
    return false;
}

cJSON *doc_parse(const char *text, size_t len, struct doc_check *c)
{
    struct json_reader r;
    struct json_token t;
    struct frame *stack = xmalloc(JSON_MAX_DEPTH * sizeof *stack);
    int depth = 0, errors = c->n;
    bool member = false; /* a key was read; path is its member's */
    cJSON *root = NULL;
    char *key = NULL, path[DOC_PATH_LEN];
    json_reader_init(&r, text, len);
    for (enum json_kind k; (k = json_next(&r, &t)) != JSON_EOF;) {
        struct frame *top = depth ? &stack[depth - 1] : NULL;
        if (k == JSON_ERROR) { /* where it stands: the member or item being read */
            if (top && !member && cJSON_IsArray(top->node))
                doc_path_index(path, top->path, top->items);
            else if (!member)
                snprintf(path, sizeof path, "%s", top ? top->path : "$");
            doc_error(c, path, "not valid JSON: %s (byte %zu)", r.error, r.error_at);
            break;
        }
        if (k == JSON_OBJECT_END || k == JSON_ARRAY_END) {
            depth--;
            member = false;
            continue;
        }
        if (k == JSON_KEY) {
            free(key);
            key = xmalloc(t.n + 1);
            json_string(&t, key, t.n + 1);
            doc_path(path, top->path, key);
            if (++top->members > DOC_MAX_MEMBERS) {
                doc_error(c, top->path, "more than %d members", DOC_MAX_MEMBERS);
                break;
            }
            if (has_member(top->node, key)) doc_error(c, path, "duplicate key");
            member = true;
            continue;
        }
        member = false;
        cJSON *item = k == JSON_OBJECT  ? cJSON_CreateObject()
                      : k == JSON_ARRAY ? cJSON_CreateArray()
                                        : scalar(&t);
        if (!item) abort();
        if (!top) {
            root = item;
            snprintf(path, sizeof path, "$");
        } else if (cJSON_IsObject(top->node)) {
            cJSON_AddItemToObject(top->node, key, item); /* path was set by the key */
        } else {
            doc_path_index(path, top->path, top->items++);
            cJSON_AddItemToArray(top->node, item);
        }
        if (k == JSON_OBJECT || k == JSON_ARRAY) {
            struct frame *f = &stack[depth++]; /* the reader bounds the depth */
            f->node = item;
            f->members = f->items = 0;
            memcpy(f->path, path, sizeof f->path);
        }
    }
    free(key);
    free(stack);
    if (c->n == errors) return root;
    cJSON_Delete(root);
    return NULL;
}

void doc_only(struct doc_check *c, const char *path, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = it->string && !strcmp(it->string, *a);
        if (!known) {
            char p[DOC_PATH_LEN];
            doc_path(p, path, it->string ? it->string : "?");
            doc_error(c, p, "unknown field");
        }
    }
}

const cJSON *doc_field(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                       bool required)
{
    const cJSON *it = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
    if (!it && required) {
        char p[DOC_PATH_LEN];
        doc_path(p, path, name);
        doc_error(c, p, "is required");
    }
    return it;
}

bool doc_string(struct doc_check *c, const char *path, const cJSON *item, size_t max_len,
                const char **out)
{
    if (!cJSON_IsString(item) || !item->valuestring[0] || strlen(item->valuestring) > max_len) {
        doc_error(c, path, "must be a string of 1 to %zu characters", max_len);
        return false;
    }
    /* Names reach invoices, PDFs and the console: no control or
     * bidirectional formatting character may reorder what a person reads. */
    const char *why = utf8_ident_problem(item->valuestring, strlen(item->valuestring));
    if (why) {
        doc_error(c, path, "%s", why);
        return false;
    }
    *out = item->valuestring;
    return true;
}

bool doc_object(struct doc_check *c, const char *path, const cJSON *item)
{
    if (cJSON_IsObject(item)) return true;
    doc_error(c, path, "must be an object");
    return false;
}

bool doc_array(struct doc_check *c, const char *path, const cJSON *item, int min_items)
{
    if (cJSON_IsArray(item) && cJSON_GetArraySize(item) >= min_items) return true;
    doc_error(c, path, "must be an array of at least %d item%s", min_items,
              min_items == 1 ? "" : "s");
    return false;
}

bool doc_int(struct doc_check *c, const char *path, const cJSON *item, int64_t min, int64_t max,
             int64_t *out)
{
    double v = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    /* below 2^53 the double is the integer */
    if (!(v >= (double)min && v <= (double)max) || v != floor(v) || fabs(v) > 9007199254740991.0) {
        doc_error(c, path, "must be a whole number from %lld to %lld", (long long)min,
                  (long long)max);
        return false;
    }
    *out = (int64_t)v;
    return true;
}

bool doc_decimal(struct doc_check *c, const char *path, const cJSON *item, int digits, int64_t *out)
{
    if (cJSON_IsString(item) &&
        decimal_parse(item->valuestring, strlen(item->valuestring), digits, DECIMAL_EXACT, out))
        return true;
    const char *s = cJSON_IsString(item) ? item->valuestring : NULL;
    const char *point = s ? strchr(s, '.') : NULL;
    if (s && s[0] == '-') {
        doc_error(c, path, "must not be negative");
    } else if (s && money_text_plain(s) && (!point || strlen(point + 1) <= (size_t)digits)) {
        /* well written, only too large for 64 bits: say that, not "decimals" */
        char most[32];
        money_format(INT64_MAX, digits, most, sizeof most);
        doc_error(c, path, "must be at most %s", most);
    } else
        doc_error(c, path, "must be a decimal string like \"16.80\" with at most %d decimals",
                  digits);
    return false;
}

bool doc_time(struct doc_check *c, const char *path, const cJSON *item, int64_t *ms)
{
    if (cJSON_IsString(item) && time_parse_rfc3339(item->valuestring, ms)) return true;
    doc_error(c, path, "must be an RFC 3339 UTC time like \"2026-10-01T08:00:00Z\"");
    return false;
}

bool doc_date(struct doc_check *c, const char *path, const cJSON *item, int64_t *days)
{
    /* documents speak of this century's contracts: from 2000 */
    if (cJSON_IsString(item) && time_parse_date(item->valuestring, days) &&
        *days >= time_days_from_civil(2000, 1, 1))
        return true;
    doc_error(c, path, "must be a date like \"2026-01-01\"");
    return false;
}

bool doc_get_string(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                    bool required, char *out, size_t cap)
{
    const cJSON *it = doc_field(c, path, obj, name, required);
    char p[DOC_PATH_LEN];
    const char *s;
    doc_path(p, path, name);
    if (!it || !doc_string(c, p, it, cap - 1, &s)) return false;
    snprintf(out, cap, "%s", s);
    return true;
}

bool doc_get_code(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                  bool required, char *out, size_t cap)
{
    if (!doc_get_string(c, path, obj, name, required, out, cap < 65 ? cap : 65)) return false;
    if (strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(out)) return true;
    char p[DOC_PATH_LEN];
    doc_path(p, path, name);
    doc_error(c, p, "use lower-case letters, digits, '-' and '_'");
    return false;
}

bool doc_get_decimal(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                     bool required, int digits, int64_t *out)
{
    const cJSON *it = doc_field(c, path, obj, name, required);
    char p[DOC_PATH_LEN];
    doc_path(p, path, name);
    return it && doc_decimal(c, p, it, digits, out);
}

bool doc_get_int(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                 bool required, int64_t min, int64_t max, int64_t *out)
{
    const cJSON *it = doc_field(c, path, obj, name, required);
    char p[DOC_PATH_LEN];
    doc_path(p, path, name);
    return it && doc_int(c, p, it, min, max, out);
}

bool doc_get_date(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                  bool required, int64_t *days)
{
    const cJSON *it = doc_field(c, path, obj, name, required);
    char p[DOC_PATH_LEN];
    doc_path(p, path, name);
    return it && doc_date(c, p, it, days);
}

bool doc_get_bool(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                  bool *out)
{
    const cJSON *it = doc_field(c, path, obj, name, false);
    if (!it) return false;
    if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
        return true;
    }
    char p[DOC_PATH_LEN];
    doc_path(p, path, name);
    doc_error(c, p, "must be true or false");
    return false;
}

const cJSON *doc_get_array(struct doc_check *c, const char *path, const cJSON *obj,
                           const char *name, bool required, int min_items, int max_items,
                           char *item_path)
{
    const cJSON *it = doc_field(c, path, obj, name, required);
    doc_path(item_path, path, name);
    if (!it || !doc_array(c, item_path, it, min_items)) return NULL;
    if (cJSON_GetArraySize(it) <= max_items) return it;
    doc_error(c, item_path, "at most %d items", max_items);
    return NULL;
}

const cJSON *doc_get_object(struct doc_check *c, const char *path, const cJSON *obj,
                            const char *name, bool required, const char *const *allowed,
                            char *obj_path)
{
    const cJSON *it = doc_field(c, path, obj, name, required);
    doc_path(obj_path, path, name);
    if (!it || !doc_object(c, obj_path, it)) return NULL;
    doc_only(c, obj_path, it, allowed);
    return it;
}

bool doc_get_currency(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                      bool required, char out[4])
{
    char p[DOC_PATH_LEN];
    if (!doc_get_string(c, path, obj, name, required, out, 4)) return false;
    if (strlen(out) == 3 && strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3) return true;
    doc_path(p, path, name);
    doc_error(c, p, "must be an ISO 4217 code like \"CNY\"");
    return false;
}

bool doc_get_ratio(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                   bool required, int64_t *ppm)
{
    char p[DOC_PATH_LEN];
    if (!doc_get_decimal(c, path, obj, name, required, 6, ppm)) return false;
    if (*ppm <= 1000000) return true;
    doc_path(p, path, name);
    doc_error(c, p, "must be at most 1 (a fraction: 0.30 is 30%%)");
    return false;
}

void doc_check_month_span(struct doc_check *c, const char *from_path, int64_t from,
                          const char *until_path, int64_t until)
{
    int y;
    unsigned m, d;
    if (from >= 0) {
        time_civil_from_days(from, &y, &m, &d);
        if (d != 1) doc_error(c, from_path, "must be the first day of a month");
    }
    if (until >= 0) {
        time_civil_from_days(until + 1, &y, &m, &d);
        if (d != 1) doc_error(c, until_path, "must be the last day of a month");
        if (from >= 0 && until < from)
            doc_error(c, until_path, "dates out of order: before the start");
    }
}
