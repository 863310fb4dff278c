/* strbuf: growable buffer (see strbuf.h). */
#include "strbuf.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_grow(struct strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_reserve(struct strbuf *sb, size_t n)
{
    sb_grow(sb, n);
}

void sb_append(struct strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
    sb_append(sb, s, strlen(s));
}

void sb_putc(struct strbuf *sb, char c)
{
    sb_append(sb, &c, 1);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->buf) sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
    free(sb->buf);
    *sb = (struct strbuf)STRBUF_INIT;
}

const char *sb_str(const struct strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

/* Decimal digits of v, written backwards from end; returns the first. */
static char *digits_back(char *end, unsigned long long v)
{
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

void sb_put_int(struct strbuf *sb, long long v)
{
    char buf[24], *end = buf + sizeof buf;
    /* -(v + 1) + 1 avoids negating LLONG_MIN */
    unsigned long long mag = v < 0 ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;
    char *p = digits_back(end, mag);
    if (v < 0) *--p = '-';
    sb_append(sb, p, (size_t)(end - p));
}

void sb_put_json_string(struct strbuf *sb, const char *s)
{
    sb_putc(sb, '"');
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        /* copy the run that needs no escape in one append */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        if (p > run) sb_append(sb, (const char *)run, (size_t)(p - run));
        if (!*p) break;
        switch (*p) {
        case '"':
            sb_append(sb, "\\\"", 2);
            break;
        case '\\':
            sb_append(sb, "\\\\", 2);
            break;
        case '\n':
            sb_append(sb, "\\n", 2);
            break;
        case '\r':
            sb_append(sb, "\\r", 2);
            break;
        case '\t':
            sb_append(sb, "\\t", 2);
            break;
        default:
            sb_printf(sb, "\\u%04x", *p);
        }
        p++;
    }
    sb_putc(sb, '"');
}
