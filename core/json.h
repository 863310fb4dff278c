/* json: the one strict JSON reader for bytes from outside (RFC 8259).
 *
 * Events, trainer reports and documents all arrive as JSON written by
 * someone else. cJSON and yajl both accept text PostgreSQL then refuses
 * (overlong UTF-8, surrogates; yajl turns a lone surrogate escape into '?',
 * cJSON cuts a string at an escaped NUL and takes whatever follows the
 * value as trailing garbage), so this reader enforces:
 *  - strings of strict UTF-8 (core/utf8.h) with no raw control characters,
 *    escapes that are JSON's own, surrogate escapes only as pairs, and no
 *    \u0000 (no text column can hold a NUL);
 *  - numbers in JSON's grammar, handed over as their text so callers can
 *    insist on an integer spelling ("3.6e6" and "-0" are not integers);
 *  - exactly one value, with nothing but whitespace after it;
 *  - nesting at most JSON_MAX_DEPTH deep, without recursion.
 *
 * It is a pull reader: json_next returns one token at a time, pointing into
 * the text, and allocates nothing, so the event decoder builds no tree.
 * Strings are validated as they are read and decoded only on request.
 * All state lives in the caller's reader; thread-safe. */
#ifndef GPUMETER_JSON_H
#define GPUMETER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 128

enum json_kind {
    JSON_ERROR,      /* r->error says why, at byte r->error_at */
    JSON_EOF,        /* the value is complete and nothing follows */
    JSON_OBJECT,     /* '{' */
    JSON_OBJECT_END, /* '}' */
    JSON_ARRAY,      /* '[' */
    JSON_ARRAY_END,  /* ']' */
    JSON_KEY,        /* a member name (its ':' is consumed) */
    JSON_STRING,
    JSON_NUMBER,
    JSON_TRUE,
    JSON_FALSE,
    JSON_NULL,
};

struct json_token {
    enum json_kind kind;
    const char *p; /* KEY, STRING: the contents between the quotes; NUMBER: its text */
    size_t n;
    bool escaped; /* KEY, STRING: holds backslash escapes; json_string decodes them */
};

struct json_reader {
    const char *start, *p, *end;
    int depth;
    unsigned char stack[JSON_MAX_DEPTH]; /* '{' or '[' per open container */
    unsigned char state;
    const char *error;
    size_t error_at;
};

void json_reader_init(struct json_reader *r, const char *text, size_t len);
enum json_kind json_next(struct json_reader *r, struct json_token *t);
/* Skips the value whose first token is t (a whole object or array); false
 * on a syntax error. */
bool json_skip(struct json_reader *r, const struct json_token *t);

/* Decodes a KEY or STRING token into out (NUL-terminated); its length, or
 * -1 when it needs more than cap - 1 bytes. */
long json_string(const struct json_token *t, char *out, size_t cap);
/* True when the KEY or STRING token decodes to exactly s. */
bool json_string_is(const struct json_token *t, const char *s);
/* A NUMBER spelled as a non-negative integer (digits only: no sign,
 * fraction or exponent) no larger than max. */
bool json_uint(const struct json_token *t, uint64_t max, uint64_t *out);

#endif
