/* csv: RFC 4180 fields (see csv.h). */
#include "csv.h"

#include <string.h>

void csv_field(struct strbuf *sb, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        sb_puts(sb, s);
        return;
    }
    sb_putc(sb, '"');
    for (; *s; s++) {
        if (*s == '"') sb_putc(sb, '"');
        sb_putc(sb, *s);
    }
    sb_putc(sb, '"');
}
