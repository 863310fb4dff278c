/* utf8: strict decoding and identifier rules (see utf8.h). */
#include "utf8.h"

#include "invariant.h"

int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return c ? 1 : 0;
    }
    int len;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) /* 0xc0, 0xc1 only start overlong forms */
        len = 2, v = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, v = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < (size_t)len) return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

int utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p >= 0x01 && *p < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode(p, (size_t)(end - p), &cp);
        if (!len) return false;
        p += len;
    }
    return true;
}

static bool is_bidi_format(uint32_t cp)
{
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

const char *utf8_ident_problem(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p < 0x80) { /* the common case: printable ASCII */
            if (*p < 0x20 || *p == 0x7f) return "contains a control character";
            p++;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode(p, (size_t)(end - p), &cp);
        if (!len) return "is not valid UTF-8";
        if (cp >= 0x80 && cp <= 0x9f) return "contains a control character";
        if (is_bidi_format(cp)) return "contains a bidirectional formatting character";
        p += len;
    }
    return NULL;
}

/* Space and the characters that show nothing: a note of only these would
 * print as nothing on the PDF. */
static bool is_blank(uint32_t cp)
{
    return cp == ' ' || cp == 0x00a0 || cp == 0x00ad || cp == 0x034f || cp == 0x1680 ||
           cp == 0x180e || (cp >= 0x2000 && cp <= 0x200d) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || (cp >= 0x205f && cp <= 0x2064) || cp == 0x3000 || cp == 0x3164 ||
           cp == 0xfeff || cp == 0xffa0 || (cp >= 0xfe00 && cp <= 0xfe0f);
}

const char *utf8_text_problem(const char *s, size_t n)
{
    if (n == 0) return "is empty";
    const char *why = utf8_ident_problem(s, n);
    if (why) return why;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        uint32_t cp;
        int len = utf8_decode(p, (size_t)(end - p), &cp);
        assert(len > 0); /* utf8_ident_problem checked it */
        if (!is_blank(cp)) return NULL;
        p += len;
    }
    return "is blank (only spaces or invisible characters)";
}

size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xc0) != 0x80;
    return chars;
}
