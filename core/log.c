/* log: stderr messages in the error / DETAIL / HINT shape (see log.h). */
#include "log.h"

#include "strbuf.h"
#include "timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* GPUMETER_LOG_FORMAT=json: one object per line, for log shippers:
 * {"ts":"2026-11-01T08:00:00.123Z","level":"error","msg":"..."}. */
static void log_json(const char *level, const char *msg)
{
    char ts[TIME_TEXT_LEN];
    time_format_rfc3339(time_now_ms(), ts);
    struct strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level);
    sb_put_json_string(&sb, msg);
    sb_puts(&sb, "}\n");
    fputs(sb_str(&sb), stderr);
    sb_free(&sb);
}

static void log_line(const char *level, const char *prefix, const char *fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const char *format = getenv("GPUMETER_LOG_FORMAT");
    if (format && !strcmp(format, "json"))
        log_json(level, msg);
    else
        fprintf(stderr, "%s%s\n", prefix, msg);
}

#define LOG_BODY(level, prefix)                                                                    \
    do {                                                                                           \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_line(level, prefix, fmt, ap);                                                          \
        va_end(ap);                                                                                \
    } while (0)

void log_error(const char *fmt, ...)
{
    LOG_BODY("error", "gpumeter: error: ");
}

void log_warn(const char *fmt, ...)
{
    LOG_BODY("warning", "gpumeter: warning: ");
}

void log_detail(const char *fmt, ...)
{
    LOG_BODY("detail", "DETAIL: ");
}

void log_hint(const char *fmt, ...)
{
    LOG_BODY("hint", "HINT: ");
}

void log_item(const char *fmt, ...)
{
    LOG_BODY("detail", "");
}

void log_info(const char *fmt, ...)
{
    if (env_on("GPUMETER_QUIET")) return;
    LOG_BODY("info", "gpumeter: ");
}

void log_debug(const char *fmt, ...)
{
    if (!env_on("GPUMETER_DEBUG")) return;
    LOG_BODY("debug", "gpumeter: debug: ");
}
