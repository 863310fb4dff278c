/* A batch's memory: decoded events kept as numbers beside shared heads
 * (rating/event_intern.h), so that what a batch holds grows with its
 * messages' payloads, not with 1.3 KB per decoded event; and the bound a
 * batch is committed at (BATCH_MAX_BYTES). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/event.h"
#include "core/strbuf.h"
#include "rating/batch.h"

#include <stdio.h>
#include <string.h>

#define GPUS 100

/* Event i of a stream of GPUS GPUs on 10 nodes, like bench_rate's. */
static void stream_event(long i, struct usage_event *ev)
{
    memset(ev, 0, sizeof *ev);
    strcpy(ev->cluster, "c1");
    strcpy(ev->site, "s1");
    strcpy(ev->model, "H800");
    strcpy(ev->vendor, "nvidia");
    ev->has = EVENT_HAS_GPU_MS | EVENT_HAS_ENERGY;
    int gpu = (int)(i % GPUS);
    snprintf(ev->source, sizeof ev->source, "dcgm/node%02d", gpu / 10);
    snprintf(ev->account, sizeof ev->account, "ns-%02d", gpu % 20);
    snprintf(ev->job, sizeof ev->job, "pod-%04d", gpu);
    ev->seq = i + 1;
    ev->start_ms = 1790812800000LL + (i / GPUS) * 30000;
    ev->end_ms = ev->start_ms + 30000;
    ev->gpu_ms = 30000 - gpu;
    ev->energy_mj = 19500000 + i;
}

/* Adds events [from, to) of the stream to b; returns their payloads' bytes. */
static size_t add_stream(struct batch *b, const struct config *cfg, long from, long to)
{
    size_t payload = 0;
    struct strbuf sb = STRBUF_INIT;
    struct usage_event ev;
    for (long i = from; i < to; i++) {
        stream_event(i, &ev);
        sb_reset(&sb);
        event_encode(&ev, &sb);
        batch_add(b, cfg, 0, i, sb.buf, sb.len);
        payload += sb.len;
    }
    sb_free(&sb);
    return payload;
}

/* Adds event i of the stream with a job of its own (strings no other
 * event shares). */
static void add_own_job(struct batch *b, const struct config *cfg, long i)
{
    struct strbuf sb = STRBUF_INIT;
    struct usage_event ev;
    stream_event(i, &ev);
    snprintf(ev.job, sizeof ev.job, "job-%ld", i);
    event_encode(&ev, &sb);
    batch_add(b, cfg, 0, i, sb.buf, sb.len);
    sb_free(&sb);
}

/* Every event keeps its own numbers, and events that differ only in their
 * numbers share one head. */
static void test_heads_shared_numbers_kept(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    add_stream(&b, &cfg, 0, 10 * GPUS);
    assert_int_equal(b.n, 10 * GPUS);
    if (b.heads.n != GPUS) fail_msg("expected %d heads (one per GPU), got %u", GPUS, b.heads.n);
    struct usage_event ev;
    for (long i = 0; i < 10 * GPUS; i++) {
        const struct batch_msg *m = &b.msgs[i];
        stream_event(i, &ev);
        assert_int_equal(m->err, EVENT_OK);
        assert_int_equal(m->num.seq, ev.seq);
        assert_int_equal(m->num.start_ms, ev.start_ms);
        assert_int_equal(m->num.end_ms, ev.end_ms);
        assert_int_equal(m->num.qty[0], ev.gpu_ms);
        assert_int_equal(m->num.qty[2], ev.energy_mj);
        assert_string_equal(m->head->job, ev.job);
        assert_string_equal(m->head->account, ev.account);
        assert_string_equal(m->head->source, ev.source);
        assert_ptr_equal(m->head, b.msgs[i % GPUS].head);
    }
    batch_free(&b);
}

/* What a batch holds is its payloads, a small record per message and one
 * head per distinct source, account and job: 20,000 events held 26 MB when
 * each kept its decoded event whole. */
static void test_held_bytes_bounded(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    const long n = 20000;
    size_t payload = add_stream(&b, &cfg, 0, n);
    size_t per_message = sizeof(struct batch_msg);
    if (per_message > 256)
        fail_msg("expected a message record within 256 bytes, got %zu", per_message);
    size_t held = batch_held_bytes(&b), most = payload + (size_t)n * 256 + (1u << 20);
    if (held > most) fail_msg("expected at most %zu bytes held, got %zu", most, held);
    if (held < payload) fail_msg("expected at least the payloads (%zu bytes), got %zu", payload, held);
    batch_free(&b);
}

/* A cleared batch returns the heads of a stream whose every event has a
 * job of its own, keeping one chunk and a small index. */
static void test_clear_releases_heads(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    for (long i = 0; i < 5000; i++)
        add_own_job(&b, &cfg, i);
    assert_int_equal(b.heads.n, 5000);
    size_t before = event_intern_bytes(&b.heads);
    if (before < 5000 * sizeof(struct usage_event))
        fail_msg("expected the heads counted (%zu bytes at least), got %zu",
                 5000 * sizeof(struct usage_event), before);
    batch_clear(&b);
    size_t kept = event_intern_bytes(&b.heads);
    size_t most = EVENT_INTERN_CHUNK * sizeof(struct usage_event) + 64 * 1024;
    if (kept > most) fail_msg("expected at most %zu bytes kept after a clear, got %zu", most, kept);
    assert_int_equal(b.heads.n, 0);
    add_stream(&b, &cfg, 0, GPUS); /* and the next batch interns afresh */
    assert_int_equal(b.heads.n, GPUS);
    batch_free(&b);
}

/* A stream whose every event has strings of its own (a job per event)
 * fills a batch by bytes long before --batch 100000 messages, and the
 * bound holds: it is due at BATCH_MAX_BYTES, not beyond by more than one
 * message and one chunk of heads. */
static void test_full_by_bytes(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    long i = 0;
    for (; !batch_full(&b, 100000); i++)
        add_own_job(&b, &cfg, i);
    if (i >= 100000) fail_msg("expected the bytes to fill the batch first, got %ld messages", i);
    size_t held = batch_held_bytes(&b),
           most = BATCH_MAX_BYTES + EVENT_INTERN_CHUNK * sizeof(struct usage_event) + 4096;
    if (held < BATCH_MAX_BYTES || held > most)
        fail_msg("expected %zu to %zu bytes held when full, got %zu", (size_t)BATCH_MAX_BYTES, most,
                 held);
    assert_false(batch_full(&(struct batch){0}, 100000));
    batch_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heads_shared_numbers_kept),
        cmocka_unit_test(test_held_bytes_bounded),
        cmocka_unit_test(test_clear_releases_heads),
        cmocka_unit_test(test_full_by_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
