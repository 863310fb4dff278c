/* strbuf: a growable NUL-terminated byte buffer.
 *
 * Allocation failure aborts the process: every caller would otherwise have to
 * carry an error path for a condition it cannot recover from. A buffer belongs to one thread at a
 * time; no shared state. */
#ifndef GPUMETER_STRBUF_H
#define GPUMETER_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *buf;
    size_t len;
    size_t cap;
};

#define STRBUF_INIT                                                                                \
    {                                                                                              \
        0                                                                                          \
    }

/* Makes room for n more bytes, so that appending them allocates nothing. */
void sb_reserve(struct strbuf *sb, size_t n);
void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, as %lld would, without the cost of printf. */
void sb_put_int(struct strbuf *sb, long long v);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* Appends s as a quoted JSON string with the escapes RFC 8259 requires. */
void sb_put_json_string(struct strbuf *sb, const char *s);
/* Returns the string (never NULL, "" when empty). */
const char *sb_str(const struct strbuf *sb);

#endif
