/* docjson: reads a JSON document and collects every problem with its path.
 *
 * Documents that sales and finance write (plans, contracts, vouchers) are
 * rejected whole, with every error at once, each as "JSON path: reason"
 * ($.gpu_hours.models[2].unit_price: must be a decimal string like "16.80").
 * doc_parse reads the text with the strict reader (core/json.h) and refuses
 * a duplicate key at any depth and anything after the document, so the tree
 * that is validated is the document PostgreSQL stores (jsonb would keep the
 * last of two keys where a validator reads the first). The helpers read a
 * field of the expected type, record an error when it is missing or wrong,
 * and report fields the document format does not have. Thread-safe: all
 * state is in the caller's doc_check. */
#ifndef GPUMETER_DOCJSON_H
#define GPUMETER_DOCJSON_H

#include "strbuf.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define DOC_MAX_ERRORS 100

struct doc_check {
    struct strbuf errors; /* one "path: reason" per line */
    int n;
};

void doc_error(struct doc_check *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "$.a" + "b" -> "$.a.b"; "$.a" + index 2 -> "$.a[2]" (buf of DOC_PATH_LEN). */
#define DOC_PATH_LEN 256
void doc_path(char *buf, const char *parent, const char *field);
void doc_path_index(char *buf, const char *parent, int index);

/* The document in text[0..len) as a cJSON tree (the caller deletes it), or
 * NULL with every problem added to c: a syntax error where it stands, each
 * duplicate key ("$.meters.gpu_hours: duplicate key"), data after the
 * document. */
cJSON *doc_parse(const char *text, size_t len, struct doc_check *c);

/* Errors for members of obj not in allowed (NULL-terminated). */
void doc_only(struct doc_check *c, const char *path, const cJSON *obj, const char *const *allowed);

/* The member, or NULL (with an error when required). */
const cJSON *doc_field(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                       bool required);
/* Typed reads of a member that is present; false (and an error) when wrong. */
bool doc_string(struct doc_check *c, const char *path, const cJSON *item, size_t max_len,
                const char **out);
bool doc_object(struct doc_check *c, const char *path, const cJSON *item);
bool doc_array(struct doc_check *c, const char *path, const cJSON *item, int min_items);
/* A whole JSON number from min to max. */
bool doc_int(struct doc_check *c, const char *path, const cJSON *item, int64_t min, int64_t max,
             int64_t *out);
/* A decimal string ("16.80") with at most `digits` decimals, >= 0, exact. */
bool doc_decimal(struct doc_check *c, const char *path, const cJSON *item, int digits,
                 int64_t *out);
/* An RFC 3339 UTC time ("2026-10-01T08:00:00Z") as ms since the epoch. */
bool doc_time(struct doc_check *c, const char *path, const cJSON *item, int64_t *ms);
/* "YYYY-MM-DD" as days since 1970-01-01. */
bool doc_date(struct doc_check *c, const char *path, const cJSON *item, int64_t *days);

/* Member readers: the member `name` of obj (at path) read as the type into
 * *out; false when absent (an error when required) or wrong. */
bool doc_get_string(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                    bool required, char *out, size_t cap);
/* A code: lower-case letters, digits, '-' and '_', at most 64. */
bool doc_get_code(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                  bool required, char *out, size_t cap);
bool doc_get_decimal(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                     bool required, int digits, int64_t *out);
bool doc_get_int(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                 bool required, int64_t min, int64_t max, int64_t *out);
bool doc_get_date(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                  bool required, int64_t *days);
bool doc_get_bool(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                  bool *out);
/* An ISO 4217 code like "CNY" (three capitals). */
bool doc_get_currency(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                      bool required, char out[4]);
/* A fraction from 0 to 1 as parts per million. */
bool doc_get_ratio(struct doc_check *c, const char *path, const cJSON *obj, const char *name,
                   bool required, int64_t *ppm);
/* Terms start on the first day of a month and end on the last (until -1:
 * open), so every invoice month sees one set: problems added to c. */
void doc_check_month_span(struct doc_check *c, const char *from_path, int64_t from,
                          const char *until_path, int64_t until);
/* An object member with only the allowed fields (NULL-terminated); its
 * path in obj_path. NULL when absent (an error when required) or wrong. */
const cJSON *doc_get_object(struct doc_check *c, const char *path, const cJSON *obj,
                            const char *name, bool required, const char *const *allowed,
                            char *obj_path);
/* An array member with min_items to max_items items; its path in item_path. */
const cJSON *doc_get_array(struct doc_check *c, const char *path, const cJSON *obj,
                           const char *name, bool required, int min_items, int max_items,
                           char *item_path);

#endif
