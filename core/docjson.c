/* docjson: path-tagged document checks (see docjson.h). */
#include "docjson.h"

#include "decimal.h"
#include "timeutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

void doc_path(char *buf, const char *parent, const char *field)
{
    snprintf(buf, DOC_PATH_LEN, "%s.%s", parent, field);
}

void doc_path_index(char *buf, const char *parent, int index)
{
    snprintf(buf, DOC_PATH_LEN, "%s[%d]", parent, index);
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
    for (const char *s = item->valuestring; *s; s++)
        if ((unsigned char)*s < 0x20) {
            doc_error(c, path, "must not contain control characters");
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
    if (cJSON_IsString(item) && item->valuestring[0] == '-')
        doc_error(c, path, "must not be negative");
    else
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
    int y, m, d;
    char tail;
    if (cJSON_IsString(item) &&
        sscanf(item->valuestring, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
        strlen(item->valuestring) == 10 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 2000) {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (d <= mdays[m - 1] && !(m == 2 && d == 29 && !leap)) {
            *days = time_days_from_civil(y, (unsigned)m, (unsigned)d);
            return true;
        }
    }
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
