/* bench_batch_add: the rater's consuming-thread work per message, alone.
 *
 *   bench_batch_add time N        batch_add over N events of bench_rate's
 *                                 stream (2,000 GPUs, 250 nodes, 30 s
 *                                 windows, canonical JSON), in batches of
 *                                 100,000 as rate --batch 100000 makes
 *                                 them; prints the CPU seconds of the adds
 *                                 alone and a digest of what they kept
 *   bench_batch_add digest FILE...  one message per file, then 20,000 of
 *                                 the stream and variants of it spelled
 *                                 otherwise; prints, per message, a digest
 *                                 of everything batch_add kept (error,
 *                                 reason, payload kept, head bytes,
 *                                 numbers, the payload given back)
 * No Kafka and no database: the payloads are made in memory first, so the
 * time is batch_add's (decode, canonical re-encoding, interning) and
 * nothing else. Two builds' digests compared with cmp prove that a change
 * to that path kept its outputs byte for byte (docs/rating.md#memory). */
#include "core/config.h"
#include "bench/bench_stream.h"
#include "core/event.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "rating/batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 100000

/* The payloads back to back, with their ends. */
struct stream {
    struct strbuf bytes;
    size_t *end, n, cap;
};

static void stream_add(struct stream *s, const char *p, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->end = realloc(s->end, s->cap * sizeof *s->end);
        if (!s->end) abort();
    }
    sb_append(&s->bytes, p, len);
    s->end[s->n++] = s->bytes.len;
}

/* Variant v of event i's canonical JSON: 0 as it is, the others spelled
 * otherwise or with strings that need escapes or are not ASCII, so that
 * both of batch_add's ways of keeping a payload are digested. */
static void make_payload(long i, int v, int64_t *seq, struct strbuf *out)
{
    struct usage_event ev;
    bench_event(i, seq, &ev);
    if (v == 2) snprintf(ev.job, sizeof ev.job, "p\xc3\xa9-\"%ld\"\\", i % 7);
    if (v == 3) memset(ev.job, 'j', EVENT_JOB_MAX), ev.job[EVENT_JOB_MAX] = '\0';
    if (v == 4) ev.job[0] = '\0', ev.model_params = (int64_t)i, ev.has |= EVENT_HAS_MODEL_PARAMS;
    if (v == 5) ev.start_ms += 999, ev.end_ms += 1;
    sb_reset(out);
    event_encode(&ev, out);
    if (v == 1) { /* a space after the opening brace: valid, not canonical */
        sb_append(out, "", 0);
        memmove(out->buf + 2, out->buf + 1, out->len);
        out->buf[1] = ' ';
        out->len++;
    }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ULL;
    return h;
}

/* Everything batch_add kept of message i. */
static uint64_t msg_digest(const struct batch *b, size_t i, struct strbuf *tmp)
{
    const struct batch_msg *m = &b->msgs[i];
    uint64_t h = 0xcbf29ce484222325ULL;
    int fields[] = {m->err, m->rebuilt, m->sig, m->err ? 0 : m->signed_event};
    h = fnv(h, fields, sizeof fields);
    h = fnv(h, &m->len, sizeof m->len);
    h = fnv(h, b->bytes.buf + m->at, m->len);
    if (m->reason) h = fnv(h, m->reason, strlen(m->reason) + 1);
    if (m->head) {
        h = fnv(h, m->head, sizeof *m->head);
        h = fnv(h, &m->num, sizeof m->num);
    }
    batch_msg_payload(b, m, tmp);
    return fnv(h, tmp->buf, tmp->len);
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int time_adds(long n)
{
    static int64_t seq[BENCH_NODES];
    struct stream s = {0};
    struct strbuf one = STRBUF_INIT, tmp = STRBUF_INIT;
    for (long i = 0; i < n; i++) {
        make_payload(i, 0, seq, &one);
        stream_add(&s, one.buf, one.len);
    }
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    double spent = 0;
    uint64_t digest = 0;
    for (size_t at = 0; at < s.n;) {
        double t0 = cpu_s();
        size_t first = at;
        for (; at < s.n && at - first < BATCH; at++) {
            size_t from = at ? s.end[at - 1] : 0;
            batch_add(&b, &cfg, 0, (int64_t)at, s.bytes.buf + from, s.end[at] - from);
        }
        spent += cpu_s() - t0;
        for (size_t i = 0; i < b.n; i += 997) /* a sample: the digest is not timed work */
            digest ^= msg_digest(&b, i, &tmp) + i;
        batch_clear(&b);
    }
    printf("%ld events: %.3f s CPU in batch_add, %.0f ns/event, digest %016" PRIx64 "\n", n, spent,
           spent * 1e9 / (double)n, digest);
    batch_free(&b);
    sb_free(&s.bytes), sb_free(&one), sb_free(&tmp), free(s.end);
    return 0;
}

static int digest(int nfiles, char **files)
{
    static int64_t seq[BENCH_NODES];
    struct stream s = {0};
    struct strbuf one = STRBUF_INIT, tmp = STRBUF_INIT;
    for (int f = 0; f < nfiles; f++) {
        sb_reset(&one);
        if (!file_read_all(files[f], &one)) {
            fprintf(stderr, "cannot read %s\n", files[f]);
            return 1;
        }
        stream_add(&s, one.buf ? one.buf : "", one.len);
    }
    for (long i = 0; i < 20000; i++) {
        make_payload(i, (int)(i % 6), seq, &one);
        stream_add(&s, one.buf, one.len);
    }
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    for (size_t i = 0; i < s.n; i++) {
        size_t from = i ? s.end[i - 1] : 0;
        batch_add(&b, &cfg, 0, (int64_t)i, s.bytes.buf + from, s.end[i] - from);
    }
    for (size_t i = 0; i < b.n; i++)
        printf("%zu %016" PRIx64 " %s\n", i, msg_digest(&b, i, &tmp),
               (int)i < nfiles ? files[i] : "");
    batch_free(&b);
    sb_free(&s.bytes), sb_free(&one), sb_free(&tmp), free(s.end);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "time")) return time_adds(atol(argv[2]));
    if (argc >= 2 && !strcmp(argv[1], "digest")) return digest(argc - 2, argv + 2);
    fprintf(stderr, "usage: bench_batch_add time N | digest FILE...\n");
    return 2;
}
