/* A batch's memory: decoded events kept as numbers beside shared heads
 * (rating/event_intern.h), so that what a batch holds grows with its
 * messages, not with 1.3 KB per decoded event; no payload kept for a
 * message its canonical encoding gives back, every message's exact bytes
 * given back all the same; and the bound a batch is committed at
 * (BATCH_MAX_BYTES). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/event.h"
#include "core/signature.h"
#include "core/strbuf.h"
#include "rating/batch.h"
#include "rating/usage.h"

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

/* What a batch holds is a small record per message and one head per
 * distinct source, account and job, and none of the payloads of events
 * spelled canonically (all a collector sends): 20,000 events held 26 MB
 * when each kept its decoded event whole, and 4.6 MB more when each kept
 * its payload. */
static void test_held_bytes_bounded(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct batch b = {0};
    const long n = 20000;
    size_t payload = add_stream(&b, &cfg, 0, n);
    size_t per_message = sizeof(struct batch_msg);
    if (per_message > 104)
        fail_msg("expected a message record within 104 bytes, got %zu", per_message);
    if (b.bytes.len != 0)
        fail_msg("expected no payload bytes kept for %ld canonical events (%zu bytes of them), "
                 "got %zu",
                 n, payload, b.bytes.len);
    size_t held = batch_held_bytes(&b), most = (size_t)n * per_message + (1u << 20);
    if (held > most) fail_msg("expected at most %zu bytes held, got %zu", most, held);
    batch_free(&b);
}

/* Every message gives back the exact bytes it was consumed as (what a dead
 * letter or a parked event stores), whether it was kept or is rebuilt: a
 * canonical event, a signed one (only its signature kept), the same event
 * spelled with a space, its fields in another order or a field this build
 * does not know, and bytes that do not decode. Only the last four are kept
 * whole. */
static void test_exact_bytes_given_back(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct usage_event ev;
    struct strbuf canonical = STRBUF_INIT, signed_ = STRBUF_INIT, other = STRBUF_INIT;
    stream_event(7, &ev);
    event_encode(&ev, &canonical);
    signature_sign(&ev, "a key");
    event_encode(&ev, &signed_);
    /* the same event with its first field last and a field unknown here */
    const char *comma = strchr(canonical.buf, ',');
    assert_non_null(comma);
    sb_putc(&other, '{');
    sb_append(&other, comma + 1, canonical.len - (size_t)(comma + 1 - canonical.buf) - 1);
    sb_putc(&other, ',');
    sb_append(&other, canonical.buf + 1, (size_t)(comma - canonical.buf - 1));
    sb_puts(&other, ",\"unknown\":1}");
    /* a capacity event: its numbers share the quantities' place */
    struct usage_event cap;
    memset(&cap, 0, sizeof cap);
    cap.kind = EVENT_KIND_CAPACITY;
    strcpy(cap.source, "dcgm/node01");
    strcpy(cap.cluster, "c1");
    strcpy(cap.site, "s1");
    strcpy(cap.node, "node01");
    strcpy(cap.model, "H800");
    strcpy(cap.vendor, "nvidia");
    cap.seq = 3;
    cap.start_ms = 1790812800000LL;
    cap.end_ms = cap.start_ms + 30000;
    cap.devices = 8;
    cap.allocated_ms = 200000;
    cap.idle_energy_mj = 1234567;
    cap.has = EVENT_HAS_IDLE_ENERGY;
    struct strbuf capacity = STRBUF_INIT;
    event_encode(&cap, &capacity);
    char spaced[4096];
    snprintf(spaced, sizeof spaced, "%s ", canonical.buf);
    const char *payloads[] = {canonical.buf, signed_.buf, capacity.buf, spaced,
                              other.buf,     "{\"v\":1,",   "x"};
    const bool kept[] = {false, false, false, true, true, true, true};
    enum { N = sizeof payloads / sizeof *payloads };
    struct batch b = {0};
    for (int i = 0; i < N; i++)
        batch_add(&b, &cfg, 0, i, payloads[i], strlen(payloads[i]));
    for (int i = 0; i < 5; i++)
        if (b.msgs[i].err != EVENT_OK)
            fail_msg("message %d: expected it to decode, got %s (%s)", i,
                     event_error_code(b.msgs[i].err), b.msgs[i].reason);
    assert_int_equal(b.msgs[2].num.devices, 8);
    assert_int_equal(b.msgs[2].num.idle_energy_mj, 1234567);
    struct strbuf got = STRBUF_INIT;
    size_t kept_bytes = 64; /* the signature */
    for (int i = 0; i < N; i++) {
        batch_msg_payload(&b, &b.msgs[i], &got);
        if (got.len != strlen(payloads[i]) || memcmp(got.buf, payloads[i], got.len))
            fail_msg("message %d: expected its bytes \"%s\", got \"%s\"", i, payloads[i],
                     sb_str(&got));
        if (b.msgs[i].rebuilt == kept[i])
            fail_msg("message %d: expected it %s, got it %s", i, kept[i] ? "kept" : "rebuilt",
                     b.msgs[i].rebuilt ? "rebuilt" : "kept");
        if (kept[i]) kept_bytes += strlen(payloads[i]);
    }
    if (b.bytes.len != kept_bytes)
        fail_msg("expected %zu bytes kept, got %zu", kept_bytes, b.bytes.len);
    sb_free(&got);
    sb_free(&canonical);
    sb_free(&signed_);
    sb_free(&other);
    sb_free(&capacity);
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

/* The committing batch's hourly cells merge as events are added: a set
 * holds a cell per hourly row (GPU and meter here), not one per event,
 * meter and hour, and every quantity and event is counted in its cell. */
static void test_usage_cells_merged_as_added(void **state)
{
    (void)state;
    struct usage_set u = {0};
    struct usage_event ev;
    struct event_numbers num;
    long long gpu_ms = 0, energy = 0;
    for (long i = 0; i < 10 * GPUS; i++) { /* 10 windows of 30 s per GPU, all in one hour */
        stream_event(i, &ev);
        event_numbers_of(&ev, &num);
        gpu_ms += ev.gpu_ms;
        energy += ev.energy_mj;
        usage_add(&u, &ev, &num);
    }
    if (u.n != 2 * GPUS)
        fail_msg("expected %d cells (a GPU's two meters in one hour), got %zu", 2 * GPUS, u.n);
    long long got_gpu = 0, got_energy = 0, events = 0;
    for (size_t i = 0; i < u.n; i++) {
        *(u.v[i].meter == METER_GPU ? &got_gpu : &got_energy) += u.v[i].quantity;
        events += u.v[i].events;
        if (u.v[i].events != 10)
            fail_msg("cell %zu: expected 10 events, got %lld", i, (long long)u.v[i].events);
    }
    if (got_gpu != gpu_ms || got_energy != energy || events != 20 * GPUS)
        fail_msg("expected %lld GPU-ms, %lld mJ and %d events, got %lld, %lld and %lld", gpu_ms,
                 energy, 20 * GPUS, got_gpu, got_energy, events);
    usage_free(&u);
}

/* event_intern's hash reads each string only up to its NUL and its
 * equality is memcmp of the whole head: heads that hash alike but differ
 * past a NUL (bytes a decoded event never has, forced here) are kept
 * apart however many share a hash, equal heads are shared, and strings at
 * their longest (no NUL before the field's end) hash and share too. */
static void test_heads_apart_when_hashes_collide(void **state)
{
    (void)state;
    enum { N = 600 };
    struct event_intern in = {0};
    const struct usage_event *head[N];
    struct event_numbers num;
    struct usage_event ev;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < N; i++) {
            memset(&ev, 0, sizeof ev);
            strcpy(ev.source, "dcgm/n1");
            strcpy(ev.job, "pod");
            ev.job[100 + i % 100] = (char)(1 + i / 100); /* past the NUL: the hash never reads it */
            ev.seq = i + 1;
            const struct usage_event *h = event_intern_split(&in, &ev, &num);
            assert_int_equal(num.seq, i + 1);
            if (round == 0)
                head[i] = h;
            else if (h != head[i])
                fail_msg("head %d: expected the head it was given first, got another", i);
        }
    if (in.n != N) fail_msg("expected %d heads (all hash alike, all differ), got %u", N, in.n);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            assert_ptr_not_equal(head[i], head[j]);
    memset(&ev, 0, sizeof ev);
    memset(ev.job, 'j', EVENT_JOB_MAX);
    memset(ev.source, 's', sizeof ev.source - 1);
    memset(ev.account, 0xc3, sizeof ev.account - 1);
    struct usage_event again = ev;
    const struct usage_event *longest = event_intern_split(&in, &ev, &num);
    assert_ptr_equal(event_intern_split(&in, &again, &num), longest);
    again = ev;
    again.account[sizeof again.account - 2] = 'x'; /* the last byte before the NUL */
    assert_ptr_not_equal(event_intern_split(&in, &again, &num), longest);
    event_intern_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heads_shared_numbers_kept),
        cmocka_unit_test(test_held_bytes_bounded),
        cmocka_unit_test(test_exact_bytes_given_back),
        cmocka_unit_test(test_clear_releases_heads),
        cmocka_unit_test(test_full_by_bytes),
        cmocka_unit_test(test_usage_cells_merged_as_added),
        cmocka_unit_test(test_heads_apart_when_hashes_collide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
