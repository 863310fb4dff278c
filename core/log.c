/* log: stderr messages in the error / DETAIL / HINT shape (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_line(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static int env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

#define LOG_BODY(prefix)                                                                           \
    do {                                                                                           \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_line(prefix, fmt, ap);                                                                 \
        va_end(ap);                                                                                \
    } while (0)

void log_error(const char *fmt, ...)
{
    LOG_BODY("gpumeter: error: ");
}

void log_warn(const char *fmt, ...)
{
    LOG_BODY("gpumeter: warning: ");
}

void log_detail(const char *fmt, ...)
{
    LOG_BODY("DETAIL: ");
}

void log_hint(const char *fmt, ...)
{
    LOG_BODY("HINT: ");
}

void log_info(const char *fmt, ...)
{
    if (env_on("GPUMETER_QUIET")) return;
    LOG_BODY("gpumeter: ");
}

void log_debug(const char *fmt, ...)
{
    if (!env_on("GPUMETER_DEBUG")) return;
    LOG_BODY("gpumeter: debug: ");
}
