/* webhook: a signed POST with libcurl (see webhook.h). */
#include "billing/webhook.h"
#include "core/digest.h"
#include "core/invariant.h"
#include "core/strbuf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void webhook_signature(const char *secret, size_t secret_len, long long t, const char *body,
                       size_t len, char out[WEBHOOK_SIGNATURE_LEN])
{
    struct strbuf signed_text = STRBUF_INIT;
    sb_printf(&signed_text, "%lld.", t);
    sb_append(&signed_text, body, len);
    char mac[65];
    digest_hmac_sha256_hex(secret, secret_len, signed_text.buf, signed_text.len, mac);
    sb_free(&signed_text);
    int n = snprintf(out, WEBHOOK_SIGNATURE_LEN, "t=%lld,v1=%s", t, mac);
    assert(n > 0 && n < WEBHOOK_SIGNATURE_LEN);
}

long webhook_backoff_s(long first, long max, long attempts)
{
    assert(first >= 1 && max >= 1 && attempts >= 1);
    long wait = first;
    for (long i = 1; i < attempts && wait < max; i++)
        wait *= 2;
    return wait < max ? wait : max;
}

/* The receiver's answer is not read: only its status counts. */
static size_t discard(char *data, size_t size, size_t nmemb, void *ctx)
{
    (void)data, (void)ctx;
    return size * nmemb;
}

bool webhook_post(const char *url, const char *secret, size_t secret_len, const char *event_id,
                  const char *body, size_t len, long timeout_s, struct webhook_outcome *out)
{
    static bool initialised;
    if (!initialised) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        initialised = true;
    }
    out->status = 0;
    out->error[0] = '\0';
    char signature[WEBHOOK_SIGNATURE_LEN], header[64 + WEBHOOK_SIGNATURE_LEN],
        id_header[128], curl_error[CURL_ERROR_SIZE] = "";
    webhook_signature(secret, secret_len, (long long)time(NULL), body, len, signature);
    snprintf(header, sizeof header, "Gpumeter-Signature: %s", signature);
    snprintf(id_header, sizeof id_header, "Gpumeter-Event-Id: %s", event_id);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, header);
    headers = curl_slist_append(headers, id_header);
    headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    CURL *e = curl_easy_init();
    if (!e || !headers) abort();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "gpumeter-notify/1");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_error);
    /* a redirect is not followed: the operator configures the endpoint */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(e);
    if (rc == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(e);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        snprintf(out->error, sizeof out->error, "%s",
                 curl_error[0] ? curl_error : curl_easy_strerror(rc));
        return false;
    }
    if (out->status >= 200 && out->status < 300) return true;
    snprintf(out->error, sizeof out->error, "HTTP status %ld", out->status);
    return false;
}
