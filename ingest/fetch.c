/* fetch: parallel HTTP GETs with curl_multi (see fetch.h). */
#include "ingest/fetch.h"
#include "core/alloc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct fetch *f = ctx;
    size_t n = size * nmemb;
    if (f->body.len + n > FETCH_MAX_BODY) return 0; /* aborts the transfer */
    sb_append(&f->body, data, n);
    return n;
}

void fetch_all(struct fetch *f, size_t n, long timeout_ms)
{
    static bool initialised;
    if (!initialised) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        initialised = true;
    }
    CURLM *multi = curl_multi_init();
    CURL **easy = xcalloc(n ? n : 1, sizeof *easy);
    if (!multi || !easy) abort();
    for (size_t i = 0; i < n; i++) {
        sb_reset(&f[i].body);
        f[i].ok = false;
        f[i].error[0] = '\0';
        CURL *e = easy[i] = curl_easy_init();
        if (!e) abort();
        curl_easy_setopt(e, CURLOPT_URL, f[i].url);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &f[i]);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f[i].error);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(e, CURLOPT_PRIVATE, &f[i]);
        curl_multi_add_handle(multi, e);
    }
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        if (running) curl_multi_poll(multi, NULL, 0, 200, NULL);
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        struct fetch *fi;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&fi);
        fi->ok = msg->data.result == CURLE_OK;
        if (!fi->ok && !fi->error[0])
            snprintf(fi->error, sizeof fi->error, "%s", curl_easy_strerror(msg->data.result));
    }
    for (size_t i = 0; i < n; i++) {
        curl_multi_remove_handle(multi, easy[i]);
        curl_easy_cleanup(easy[i]);
    }
    free(easy);
    curl_multi_cleanup(multi);
}
