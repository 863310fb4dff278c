/* metrics_http: serves the rater's Prometheus text page.
 *
 * libmicrohttpd answers GET /metrics (and /healthz) from its own thread with
 * the last page the rater published; the rater republishes after each batch
 * and every second, so a scrape never waits for the rating loop. */
#ifndef GPUMETER_METRICS_HTTP_H
#define GPUMETER_METRICS_HTTP_H

#include <stddef.h>

struct metrics_http;

/* listen is "ADDR:PORT"; NULL after logging. */
struct metrics_http *metrics_http_start(const char *listen);
void metrics_http_publish(struct metrics_http *m, const char *text, size_t len);
void metrics_http_stop(struct metrics_http *m);

#endif
