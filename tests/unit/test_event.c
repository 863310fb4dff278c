/* Event codec: the v1 contract accepts what it documents and rejects the
 * rest with a stable reason code naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/event.h"
#include "core/timeutil.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char valid[] =
    "{\"v\":1,\"source\":\"dcgm/sh-a/node7\",\"seq\":42,\"account\":\"ns-alpha\","
    "\"cluster\":\"sh-a\",\"site\":\"sh-lingang\",\"model\":\"H800\",\"vendor\":\"nvidia\","
    "\"job\":\"train-1\",\"start\":\"2026-10-01T08:00:00Z\",\"end\":\"2026-10-01T09:00:00.250Z\","
    "\"gpu_ms\":3600250,\"energy_mj\":2520175000,\"tokens\":0,\"model_params\":7000000000}";

static enum event_error decode(const char *json, struct usage_event *ev, char *reason)
{
    return event_decode(json, strlen(json), ev, reason, 256);
}

/* valid with one field replaced (value NULL removes it). The value is
 * spliced in as written, so spellings like 3.6e6 reach the decoder. */
static enum event_error decode_with(const char *field, const char *value, char *reason)
{
    cJSON *root = cJSON_Parse(valid);
    cJSON_DeleteItemFromObjectCaseSensitive(root, field);
    char *json = cJSON_PrintUnformatted(root);
    struct strbuf sb = STRBUF_INIT;
    sb_append(&sb, json, strlen(json) - 1);
    if (value) sb_printf(&sb, ",\"%s\":%s", field, value);
    sb_putc(&sb, '}');
    struct usage_event ev;
    enum event_error err = decode(sb_str(&sb), &ev, reason);
    sb_free(&sb);
    cJSON_free(json);
    cJSON_Delete(root);
    return err;
}

static void test_valid_event_decodes_every_field(void **state)
{
    (void)state;
    struct usage_event ev;
    char reason[256];
    assert_int_equal(decode(valid, &ev, reason), EVENT_OK);
    assert_string_equal(ev.source, "dcgm/sh-a/node7");
    assert_int_equal(ev.seq, 42);
    assert_string_equal(ev.account, "ns-alpha");
    assert_string_equal(ev.model, "H800");
    assert_string_equal(ev.vendor, "nvidia");
    assert_string_equal(ev.job, "train-1");
    assert_int_equal(ev.end_ms - ev.start_ms, 3600250);
    assert_int_equal(ev.gpu_ms, 3600250);
    assert_int_equal(ev.energy_mj, 2520175000LL);
    assert_int_equal(ev.model_params, 7000000000LL);
    assert_int_equal(ev.has, EVENT_HAS_GPU_MS | EVENT_HAS_ENERGY | EVENT_HAS_TOKENS |
                                 EVENT_HAS_MODEL_PARAMS);
}

static void test_encode_round_trips(void **state)
{
    (void)state;
    struct usage_event a, b;
    char reason[256];
    assert_int_equal(decode(valid, &a, reason), EVENT_OK);
    struct strbuf sb = STRBUF_INIT;
    event_encode(&a, &sb);
    assert_int_equal(decode(sb_str(&sb), &b, reason), EVENT_OK);
    assert_memory_equal(&a, &b, sizeof a);
    sb_free(&sb);
}

static void test_each_required_field_is_required(void **state)
{
    (void)state;
    const char *required[] = {"v",    "source", "seq", "account", "cluster",
                              "site", "start",  "end", "model",   "vendor"};
    char reason[256], want[64];
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        assert_int_equal(decode_with(required[i], NULL, reason), EVENT_ERR_MISSING);
        snprintf(want, sizeof want, "\"%s\"", required[i]);
        assert_non_null(strstr(reason, want));
    }
}

static void test_invalid_values_are_rejected(void **state)
{
    (void)state;
    char reason[256];
    const struct {
        const char *field, *value;
        enum event_error err;
    } cases[] = {
        {"gpu_ms", "-5", EVENT_ERR_QUANTITY},
        {"gpu_ms", "1.5", EVENT_ERR_QUANTITY},
        {"gpu_ms", "\"5\"", EVENT_ERR_QUANTITY},
        {"gpu_ms", "360025000001", EVENT_ERR_QUANTITY},   /* > 100,000 GPUs for the window */
        {"energy_mj", "36002500001", EVENT_ERR_QUANTITY}, /* > 10 kW per GPU */
        {"tokens", "1000000000000001", EVENT_ERR_QUANTITY},
        {"seq", "null", EVENT_ERR_INVALID},
        {"tokens", "true", EVENT_ERR_QUANTITY},
        {"account", "\"\"", EVENT_ERR_INVALID},
        {"account", "17", EVENT_ERR_INVALID},
        {"account", "\"ns\\u0001x\"", EVENT_ERR_INVALID},
        {"start", "\"2026-10-01 08:00:00\"", EVENT_ERR_INVALID},
        {"start", "\"2026-10-01T08:00:00+08:00\"", EVENT_ERR_INVALID},
        {"end", "\"2026-10-01T07:00:00Z\"", EVENT_ERR_INVALID},
        {"end", "\"2026-11-06T08:00:01Z\"", EVENT_ERR_INVALID},
        {"v", "2", EVENT_ERR_VERSION},
        {"v", "0", EVENT_ERR_VERSION},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum event_error err = decode_with(cases[i].field, cases[i].value, reason);
        if (err != cases[i].err) fail_msg("%s=%s gave %d", cases[i].field, cases[i].value, err);
        assert_true(reason[0] != '\0');
    }
}

/* Literal JSON: cJSON's printer would round these before the decoder saw them. */
static void test_integers_stop_at_two_to_the_53(void **state)
{
    (void)state;
    struct usage_event ev;
    char reason[256], json[512];
    const char *fmt =
        "{\"v\":1,\"source\":\"s\",\"seq\":%s,\"account\":\"a\",\"cluster\":\"c\","
        "\"site\":\"s\",\"start\":\"2026-10-01T08:00:00Z\",\"end\":\"2026-10-01T08:00:00Z\","
        "\"tokens\":1}";
    snprintf(json, sizeof json, fmt, "9007199254740991");
    assert_int_equal(decode(json, &ev, reason), EVENT_OK);
    assert_int_equal(ev.seq, 9007199254740991LL);
    snprintf(json, sizeof json, fmt, "9007199254740992");
    assert_int_equal(decode(json, &ev, reason), EVENT_ERR_INVALID);
    snprintf(json, sizeof json, fmt, "9007199254740993");
    assert_int_equal(decode(json, &ev, reason), EVENT_ERR_INVALID);
    snprintf(json, sizeof json, fmt, "1e300");
    assert_int_equal(decode(json, &ev, reason), EVENT_ERR_INVALID);
}

static void test_not_an_object_is_malformed(void **state)
{
    (void)state;
    struct usage_event ev;
    char reason[256];
    assert_int_equal(decode("{\"v\":1,", &ev, reason), EVENT_ERR_JSON);
    assert_int_equal(decode("[1,2]", &ev, reason), EVENT_ERR_JSON);
    assert_int_equal(decode("", &ev, reason), EVENT_ERR_JSON);
    assert_int_equal(event_decode(NULL, 0, &ev, reason, sizeof reason), EVENT_ERR_JSON);
    assert_string_equal(event_error_code(EVENT_ERR_JSON), "malformed_json");
    assert_string_equal(event_error_code(EVENT_ERR_MISSING), "missing_field");
    assert_string_equal(event_error_code(EVENT_ERR_INVALID), "invalid_field");
    assert_string_equal(event_error_code(EVENT_ERR_VERSION), "unsupported_version");
    assert_string_equal(event_error_code(EVENT_ERR_QUANTITY), "invalid_quantity");
}

static void test_unknown_fields_are_ignored(void **state)
{
    (void)state;
    char reason[256];
    assert_int_equal(decode_with("x_future_field", "{\"a\":[1,2]}", reason), EVENT_OK);
}

static void test_token_event_needs_no_accelerator(void **state)
{
    (void)state;
    struct usage_event ev;
    char reason[256];
    const char *tokens =
        "{\"v\":1,\"source\":\"trainer/j1\",\"seq\":1,\"account\":\"a\",\"cluster\":\"c\","
        "\"site\":\"s\",\"start\":\"2026-10-01T08:00:00Z\",\"end\":\"2026-10-01T08:00:00Z\","
        "\"tokens\":123456}";
    assert_int_equal(decode(tokens, &ev, reason), EVENT_OK);
    assert_int_equal(ev.tokens, 123456);
    assert_int_equal(ev.has, EVENT_HAS_TOKENS);
    const char *nothing =
        "{\"v\":1,\"source\":\"trainer/j1\",\"seq\":1,\"account\":\"a\",\"cluster\":\"c\","
        "\"site\":\"s\",\"start\":\"2026-10-01T08:00:00Z\",\"end\":\"2026-10-01T08:00:00Z\"}";
    assert_int_equal(decode(nothing, &ev, reason), EVENT_ERR_MISSING);
    assert_non_null(strstr(reason, "quantity"));
}

/* valid with its "account" value replaced by raw bytes (not through cJSON,
 * which would re-escape or reject them). */
static enum event_error decode_account(const char *raw, size_t n, char *reason)
{
    char json[1024];
    const char *head = "{\"v\":1,\"source\":\"s\",\"seq\":1,\"account\":\"";
    const char *tail = "\",\"cluster\":\"c\",\"site\":\"s\",\"start\":\"2026-10-01T08:00:00Z\","
                       "\"end\":\"2026-10-01T08:00:00Z\",\"tokens\":1}";
    size_t a = strlen(head), b = strlen(tail);
    memcpy(json, head, a);
    memcpy(json + a, raw, n);
    memcpy(json + a + n, tail, b);
    struct usage_event ev;
    return event_decode(json, a + n + b, &ev, reason, 256);
}

/* Every byte PostgreSQL's text type refuses is a dead letter before it can
 * reach a batch: malformed JSON when the text is not UTF-8 at all, an
 * invalid field when it is UTF-8 but not a usable name. */
static void test_hostile_strings_are_refused(void **state)
{
    (void)state;
    char reason[256];
    const struct {
        const char *raw;
        size_t n;
        enum event_error err;
    } cases[] = {
        {"ns-\xff", 4, EVENT_ERR_JSON},                /* not UTF-8 */
        {"ns-\xc0\xaf", 5, EVENT_ERR_JSON},            /* overlong '/' */
        {"ns-\xed\xa0\x80", 6, EVENT_ERR_JSON},        /* an encoded surrogate */
        {"ns-\xf4\x90\x80\x80", 7, EVENT_ERR_JSON},    /* above U+10FFFF */
        {"ns-\xe2\x82", 5, EVENT_ERR_JSON},            /* cut in the middle */
        {"ns-alpha\\u0000-spoof", 20, EVENT_ERR_JSON}, /* NUL would cut the name */
        {"ns\\ud800x", 9, EVENT_ERR_JSON},             /* lone surrogate escape */
        {"ns\\udc00", 8, EVENT_ERR_JSON},              /* lone low surrogate */
        {"ns-\x01", 4, EVENT_ERR_JSON},                /* raw control character */
        {"ns\\u001f", 8, EVENT_ERR_INVALID},           /* escaped control character */
        {"ns\\u007f", 8, EVENT_ERR_INVALID},           /* DEL */
        {"ns\\u0085", 8, EVENT_ERR_INVALID},           /* C1 control */
        {"ns-\xe2\x80\xae"
         "ahpla",
         11, EVENT_ERR_INVALID},                /* U+202E right-to-left override */
        {"ns-\\u2066x", 10, EVENT_ERR_INVALID}, /* U+2066 left-to-right isolate */
        {"ns-\\u200f", 9, EVENT_ERR_INVALID},   /* U+200F right-to-left mark */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum event_error err = decode_account(cases[i].raw, cases[i].n, reason);
        if (err != cases[i].err) fail_msg("case %zu gave %d (%s)", i, err, reason);
    }
    /* Non-ASCII names are fine: U+4E2D U+6587 raw, an emoji as a surrogate pair. */
    assert_int_equal(decode_account("\xe4\xb8\xad\xe6\x96\x87", 6, reason), EVENT_OK);
    assert_int_equal(decode_account("ns\\ud83d\\ude00", 14, reason), EVENT_OK);
}

static void test_trailing_data_is_refused(void **state)
{
    (void)state;
    struct usage_event ev;
    char reason[256];
    struct strbuf sb = STRBUF_INIT;
    sb_puts(&sb, valid);
    sb_puts(&sb, " \n\t");
    assert_int_equal(decode(sb_str(&sb), &ev, reason), EVENT_OK); /* whitespace is fine */
    sb_puts(&sb, "x");
    assert_int_equal(decode(sb_str(&sb), &ev, reason), EVENT_ERR_JSON);
    assert_non_null(strstr(reason, "after the JSON value"));
    sb_reset(&sb);
    for (int i = 0; i < 30; i++) { /* thirty events in one message: none of them is rated */
        sb_puts(&sb, valid);
        sb_putc(&sb, '\n');
    }
    assert_int_equal(decode(sb_str(&sb), &ev, reason), EVENT_ERR_JSON);
    sb_free(&sb);
}

static void test_integers_are_spelled_as_digits(void **state)
{
    (void)state;
    char reason[256];
    const char *quantities[] = {"3.6e6", "3600000.0", "36E5", "-0", "1e0", "0.0"};
    for (size_t i = 0; i < sizeof quantities / sizeof quantities[0]; i++)
        if (decode_with("gpu_ms", quantities[i], reason) != EVENT_ERR_QUANTITY)
            fail_msg("gpu_ms=%s was accepted", quantities[i]);
    assert_int_equal(decode_with("seq", "-0", reason), EVENT_ERR_INVALID);
    assert_int_equal(decode_with("seq", "0", reason), EVENT_ERR_INVALID); /* seqs start at 1 */
    assert_int_equal(decode_with("v", "1.0", reason), EVENT_ERR_INVALID);
    assert_int_equal(decode_with("seq", "1", reason), EVENT_OK);
}

static void test_a_field_given_twice_is_refused(void **state)
{
    (void)state;
    struct usage_event ev;
    char reason[256];
    struct strbuf sb = STRBUF_INIT;
    sb_append(&sb, valid, strlen(valid) - 1);
    sb_puts(&sb, ",\"account\":\"ns-beta\"}");
    assert_int_equal(decode(sb_str(&sb), &ev, reason), EVENT_ERR_INVALID);
    assert_non_null(strstr(reason, "\"account\" appears twice"));
    sb_reset(&sb);
    sb_append(&sb, valid, strlen(valid) - 1);
    sb_puts(&sb, ",\"\\u0061ccount\":\"ns-beta\"}"); /* the same name, escaped */
    assert_int_equal(decode(sb_str(&sb), &ev, reason), EVENT_ERR_INVALID);
    sb_free(&sb);
}

static void test_unknown_values_are_still_json(void **state)
{
    (void)state;
    char reason[256];
    struct strbuf deep = STRBUF_INIT;
    for (int i = 0; i < 100000; i++)
        sb_putc(&deep, '[');
    for (int i = 0; i < 100000; i++)
        sb_putc(&deep, ']');
    struct usage_event ev;
    struct strbuf sb = STRBUF_INIT;
    sb_append(&sb, valid, strlen(valid) - 1);
    sb_puts(&sb, ",\"x\":");
    sb_puts(&sb, deep.buf);
    sb_putc(&sb, '}');
    assert_int_equal(decode(sb_str(&sb), &ev, reason), EVENT_ERR_JSON);
    assert_non_null(strstr(reason, "nested too deeply"));
    sb_free(&sb);
    sb_free(&deep);
    /* 10^400 is a valid JSON number: ignored where unknown, refused as a quantity. */
    char big[420] = "1";
    memset(big + 1, '0', 400);
    big[401] = '\0';
    assert_int_equal(decode_with("x_big", big, reason), EVENT_OK);
    assert_int_equal(decode_with("tokens", big, reason), EVENT_ERR_QUANTITY);
    assert_int_equal(decode_with("x_bad", "\"\\ud800\"", reason), EVENT_ERR_JSON);
}

/* What the decoder accepts, the encoder writes in one canonical form that
 * decodes to the same event, byte for byte. */
static void test_canonical_form_is_a_fixed_point(void **state)
{
    (void)state;
    const char *spelled =
        "{ \"seq\" : 42, \"v\":1,\"source\":\"dcgm/sh-a/node7\",\"account\":\"ns-\\u03b1\","
        "\"cluster\":\"sh-a\",\"site\":\"sh\\/lingang\",\"model\":\"H800\",\"vendor\":\"nvidia\","
        "\"start\":\"2026-10-01T08:00:00.000Z\",\"end\":\"2026-10-01T09:00:00Z\",\"gpu_ms\":"
        "3600000,"
        "\"x\":{\"ignored\":[true,false,null]}}\n";
    struct usage_event a, b;
    char reason[256];
    assert_int_equal(decode(spelled, &a, reason), EVENT_OK);
    assert_string_equal(a.account, "ns-\xce\xb1");
    assert_string_equal(a.site, "sh/lingang");
    struct strbuf one = STRBUF_INIT, two = STRBUF_INIT;
    event_encode(&a, &one);
    assert_string_equal(
        sb_str(&one),
        "{\"v\":1,\"source\":\"dcgm/sh-a/node7\",\"seq\":42,\"account\":\"ns-\xce\xb1\","
        "\"cluster\":\"sh-a\",\"site\":\"sh/lingang\",\"model\":\"H800\","
        "\"vendor\":\"nvidia\",\"start\":\"2026-10-01T08:00:00Z\","
        "\"end\":\"2026-10-01T09:00:00Z\",\"gpu_ms\":3600000}");
    assert_int_equal(decode(sb_str(&one), &b, reason), EVENT_OK);
    event_encode(&b, &two);
    assert_string_equal(sb_str(&one), sb_str(&two));
    sb_free(&one);
    sb_free(&two);
}

static const char capacity[] =
    "{\"v\":1,\"kind\":\"capacity\",\"source\":\"dcgm/sh-a/node7\",\"seq\":43,"
    "\"cluster\":\"sh-a\",\"site\":\"sh-lingang\",\"node\":\"node7\",\"model\":\"H800\","
    "\"vendor\":\"nvidia\",\"start\":\"2026-10-01T08:00:00Z\",\"end\":\"2026-10-01T08:00:30Z\","
    "\"devices\":8,\"allocated_ms\":90000,\"idle_energy_mj\":7500000}";

/* The event `base` with the text at `from` replaced by `to`, decoded. */
static enum event_error replaced(const char *base, const char *from, const char *to, char *reason)
{
    struct strbuf sb = STRBUF_INIT;
    const char *at = strstr(base, from);
    assert_non_null(at);
    sb_append(&sb, base, (size_t)(at - base));
    sb_puts(&sb, to);
    sb_puts(&sb, at + strlen(from));
    struct usage_event ev;
    enum event_error err = decode(sb_str(&sb), &ev, reason);
    sb_free(&sb);
    return err;
}

static enum event_error capacity_with(const char *from, const char *to, char *reason)
{
    return replaced(capacity, from, to, reason);
}

static void test_capacity_event_decodes_and_round_trips(void **state)
{
    (void)state;
    struct usage_event ev, again;
    char reason[256];
    assert_int_equal(decode(capacity, &ev, reason), EVENT_OK);
    assert_int_equal(ev.kind, EVENT_KIND_CAPACITY);
    assert_string_equal(ev.node, "node7");
    assert_string_equal(ev.account, "");
    assert_int_equal(ev.devices, 8);
    assert_int_equal(ev.allocated_ms, 90000);
    assert_int_equal(ev.idle_energy_mj, 7500000);
    assert_int_equal(ev.has, EVENT_HAS_IDLE_ENERGY);
    struct strbuf sb = STRBUF_INIT;
    event_encode(&ev, &sb);
    assert_string_equal(sb_str(&sb), capacity); /* the fixture is canonical */
    assert_int_equal(event_decode(sb.buf, sb.len, &again, reason, 256), EVENT_OK);
    assert_memory_equal(&ev, &again, sizeof ev);
    sb_free(&sb);
    /* "kind":"usage" is the default, spelled or not */
    assert_int_equal(decode_with("kind", "\"usage\"", reason), EVENT_OK);
}

static void test_capacity_event_refuses_what_is_not_capacity(void **state)
{
    (void)state;
    char reason[256];
    assert_int_equal(capacity_with("\"capacity\"", "\"Capacity\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"kind\" must be \"usage\", \"capacity\" or \"health\"");
    assert_int_equal(capacity_with("\"devices\"", "\"account\":\"ns-a\",\"devices\"", reason),
                     EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"account\" does not belong in a capacity event");
    assert_int_equal(capacity_with("\"devices\"", "\"gpu_ms\":1,\"devices\"", reason),
                     EVENT_ERR_INVALID);
    assert_int_equal(capacity_with("\"node\":\"node7\",", "", reason), EVENT_ERR_MISSING);
    assert_string_equal(reason, "missing field \"node\"");
    assert_int_equal(capacity_with("\"devices\":8", "\"devices\":0", reason), EVENT_ERR_INVALID);
    /* 8 devices for 30 s are 240,000 device-ms: no more can be allocated */
    assert_int_equal(
        capacity_with("90000,\"idle_energy_mj\":7500000", "240000,\"idle_energy_mj\":0", reason),
        EVENT_OK);
    /* nothing idle draws no idle energy */
    assert_int_equal(capacity_with("90000", "240000", reason), EVENT_ERR_QUANTITY);
    assert_int_equal(capacity_with("90000", "240001", reason), EVENT_ERR_QUANTITY);
    assert_string_equal(reason, "\"allocated_ms\" is more than \"devices\" times the window");
    assert_int_equal(capacity_with("90000", "-1", reason), EVENT_ERR_QUANTITY);
    /* idle 150,000 device-ms at 10 kW at most: 1.5 x 10^9 mJ */
    assert_int_equal(capacity_with("7500000", "1500000000", reason), EVENT_OK);
    assert_int_equal(capacity_with("7500000", "1500010000", reason), EVENT_ERR_QUANTITY);
    assert_int_equal(capacity_with("\"devices\":8", "\"devices\":100001", reason),
                     EVENT_ERR_QUANTITY);
    /* and a usage event may not carry capacity's fields */
    assert_int_equal(decode_with("devices", "8", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"devices\" does not belong in a usage event");
}

static const char health[] =
    "{\"v\":1,\"kind\":\"health\",\"source\":\"dcgm/sh-a/node7\",\"seq\":44,"
    "\"cluster\":\"sh-a\",\"site\":\"sh-lingang\",\"node\":\"node7\","
    "\"device\":\"GPU-6f1c7e4a-1d2b-4c3e-9f8a-0b1c2d3e4f50\",\"model\":\"H800\","
    "\"vendor\":\"nvidia\",\"start\":\"2026-10-01T08:00:00Z\",\"end\":\"2026-10-01T08:00:30Z\","
    "\"state\":\"down\",\"reasons\":[\"xid:79\",\"ecc_dbe\"]}";

static enum event_error health_with(const char *from, const char *to, char *reason)
{
    return replaced(health, from, to, reason);
}

static void test_health_event_decodes_and_round_trips(void **state)
{
    (void)state;
    struct usage_event ev, again;
    char reason[256];
    assert_int_equal(decode(health, &ev, reason), EVENT_OK);
    assert_int_equal(ev.kind, EVENT_KIND_HEALTH);
    assert_string_equal(ev.node, "node7");
    assert_string_equal(ev.device, "GPU-6f1c7e4a-1d2b-4c3e-9f8a-0b1c2d3e4f50");
    assert_string_equal(ev.model, "H800");
    assert_string_equal(ev.account, "");
    assert_int_equal(ev.state, HEALTH_DOWN);
    assert_int_equal(ev.nreasons, 2);
    assert_string_equal(ev.reasons[0], "xid:79");
    assert_string_equal(ev.reasons[1], "ecc_dbe");
    assert_int_equal(ev.has, 0);
    struct strbuf sb = STRBUF_INIT;
    event_encode(&ev, &sb);
    assert_string_equal(sb_str(&sb), health); /* the fixture is canonical */
    assert_int_equal(event_decode(sb.buf, sb.len, &again, reason, 256), EVENT_OK);
    assert_memory_equal(&ev, &again, sizeof ev);
    sb_free(&sb);
    /* up has no reason: absent or empty, written empty */
    assert_int_equal(health_with("\"down\",\"reasons\":[\"xid:79\",\"ecc_dbe\"]", "\"up\"", reason),
                     EVENT_OK);
    assert_int_equal(health_with("\"down\",\"reasons\":[\"xid:79\",\"ecc_dbe\"]",
                                 "\"up\",\"reasons\":[ ]", reason),
                     EVENT_OK);
    struct strbuf up = STRBUF_INIT;
    sb_puts(&up, health);
    memcpy(strstr(up.buf, "\"down\""), "\"up\",  ", 7);
    char *list = strstr(up.buf, "[");
    memcpy(list, "[]}", 4);
    assert_int_equal(decode(sb_str(&up), &ev, reason), EVENT_OK);
    assert_int_equal(ev.state, HEALTH_UP);
    assert_int_equal(ev.nreasons, 0);
    sb_free(&up);
    event_encode(&ev, &sb);
    assert_non_null(strstr(sb_str(&sb), ",\"state\":\"up\",\"reasons\":[]}"));
    sb_free(&sb);
    assert_int_equal(health_with("\"down\"", "\"degraded\"", reason), EVENT_OK);
}

static void test_health_event_refuses_what_is_not_health(void **state)
{
    (void)state;
    char reason[256];
    assert_int_equal(health_with("\"health\"", "\"Health\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"kind\" must be \"usage\", \"capacity\" or \"health\"");
    assert_int_equal(health_with("\"state\"", "\"gpu_ms\":1,\"state\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"gpu_ms\" does not belong in a health event");
    assert_int_equal(health_with("\"state\"", "\"account\":\"ns-a\",\"state\"", reason),
                     EVENT_ERR_INVALID);
    assert_int_equal(health_with("\"state\"", "\"devices\":1,\"state\"", reason),
                     EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"devices\" does not belong in a health event");
    assert_int_equal(health_with("\"device\":\"GPU-6f1c7e4a-1d2b-4c3e-9f8a-0b1c2d3e4f50\",", "",
                                 reason),
                     EVENT_ERR_MISSING);
    assert_string_equal(reason, "missing field \"device\"");
    assert_int_equal(health_with("\"node\":\"node7\",", "", reason), EVENT_ERR_MISSING);
    assert_int_equal(health_with("\"model\":\"H800\",", "", reason), EVENT_ERR_MISSING);
    assert_string_equal(reason, "missing field \"model\"");
    assert_int_equal(health_with("\"state\":\"down\",", "", reason), EVENT_ERR_MISSING);
    assert_string_equal(reason, "missing field \"state\"");
    assert_int_equal(health_with("\"down\"", "\"broken\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"state\" must be \"up\", \"degraded\" or \"down\"");
    /* every state but up says why; up says nothing */
    assert_int_equal(health_with("[\"xid:79\",\"ecc_dbe\"]", "[]", reason), EVENT_ERR_MISSING);
    assert_string_equal(reason, "missing field \"reasons\": a down device needs one");
    assert_int_equal(health_with("\"down\"", "\"up\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"reasons\" must be empty when \"state\" is \"up\"");
    /* a short list of distinct codes */
    assert_int_equal(health_with("[\"xid:79\",\"ecc_dbe\"]", "\"xid:79\"", reason),
                     EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"reasons\" must be an array of reason codes");
    assert_int_equal(health_with("\"ecc_dbe\"", "79", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"reasons\" item 2 must be a reason code of 1 to 32 "
                                "lower-case letters, digits or \"_:.-\"");
    assert_int_equal(health_with("\"ecc_dbe\"", "\"ECC_DBE\"", reason), EVENT_ERR_INVALID);
    assert_int_equal(health_with("\"ecc_dbe\"", "\"\"", reason), EVENT_ERR_INVALID);
    assert_int_equal(health_with("\"ecc_dbe\"", "[\"a\"]", reason), EVENT_ERR_INVALID);
    assert_int_equal(health_with("\"ecc_dbe\"", "\"abcdefghijklmnopqrstuvwxyz012345\"", reason),
                     EVENT_OK);
    assert_int_equal(health_with("\"ecc_dbe\"", "\"abcdefghijklmnopqrstuvwxyz0123456\"", reason),
                     EVENT_ERR_INVALID);
    assert_int_equal(health_with("\"ecc_dbe\"", "\"xid:79\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"reasons\" names \"xid:79\" twice");
    assert_int_equal(
        health_with("\"ecc_dbe\"", "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\"", reason), EVENT_OK);
    assert_int_equal(
        health_with("\"ecc_dbe\"", "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\"", reason),
        EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"reasons\" has more than 8 codes");
    /* a code this build's table does not know is still a health reason */
    assert_int_equal(health_with("\"ecc_dbe\"", "\"xid:154\"", reason), EVENT_OK);
    /* and usage and capacity events may not carry health's fields */
    assert_int_equal(decode_with("state", "\"up\"", reason), EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"state\" does not belong in a usage event");
    assert_int_equal(decode_with("reasons", "[]", reason), EVENT_ERR_INVALID);
    assert_int_equal(capacity_with("\"devices\"", "\"device\":\"0\",\"devices\"", reason),
                     EVENT_ERR_INVALID);
    assert_string_equal(reason, "field \"device\" does not belong in a capacity event");
}

/* The meter added through the registry (core/meter.h) is an event field
 * like the others: read, bounded, encoded, refused on capacity events, and
 * it needs the accelerator as GPU time does. */
static void test_gpu_memory_is_a_quantity(void **state)
{
    (void)state;
    char reason[256];
    struct usage_event ev;
    static const char mem[] =
        "{\"v\":1,\"source\":\"dcgm/c1/n1\",\"seq\":1,\"account\":\"a\",\"cluster\":\"c1\","
        "\"site\":\"s1\",\"model\":\"H800\",\"vendor\":\"nvidia\",\"start\":\"2026-10-01T08:00:00Z\","
        "\"end\":\"2026-10-01T08:00:30Z\",\"gpu_mem_gib_ms\":150000}";
    assert_int_equal(decode(mem, &ev, reason), EVENT_OK);
    assert_int_equal(ev.has, EVENT_HAS_GPU_MEM);
    assert_int_equal(ev.gpu_mem_gib_ms, 150000);
    assert_int_equal(ev.qty[METER_GPU_MEM], 150000);
    struct strbuf sb = STRBUF_INIT;
    event_encode(&ev, &sb);
    assert_non_null(strstr(sb_str(&sb), ",\"gpu_mem_gib_ms\":150000"));
    sb_free(&sb);
    /* valid's 3,600,250 ms x 102,400,000 GiB is the bound; one more is absurd */
    assert_int_equal(decode_with("gpu_mem_gib_ms", "368665600000000", reason), EVENT_OK);
    assert_int_equal(decode_with("gpu_mem_gib_ms", "368665600000001", reason),
                     EVENT_ERR_QUANTITY);
    assert_string_equal(reason, "absurd \"gpu_mem_gib_ms\": more than 102400000 GiB held in the "
                                "window (1 TiB on each of 100000 accelerators)");
    /* like GPU time, it is counted under an accelerator */
    struct strbuf no_model = STRBUF_INIT;
    sb_puts(&no_model, mem);
    char *m = strstr(no_model.buf, "\"model\":\"H800\",");
    memmove(m, m + 15, strlen(m + 15) + 1);
    assert_int_equal(decode(sb_str(&no_model), &ev, reason), EVENT_ERR_MISSING);
    assert_string_equal(reason, "missing field \"model\"");
    sb_free(&no_model);
}

/* The member name followed by what sb_put_json_string writes of s: the
 * string writer every other JSON of the project uses, which event_encode's
 * own copy (written by pointer into room reserved once) must match. */
static void assert_member(const struct strbuf *encoded, const char *name, const char *s)
{
    struct strbuf want = STRBUF_INIT;
    sb_printf(&want, ",\"%s\":", name);
    sb_put_json_string(&want, s);
    if (!strstr(sb_str(encoded), sb_str(&want)))
        fail_msg("expected %s in %s", sb_str(&want), sb_str(encoded));
    sb_free(&want);
}

/* event_encode's writer: every byte from 1 to 255 at every place of a
 * string (run starts and ends, escapes of 2 and 6 bytes, UTF-8 passed as
 * it is), empty strings left out, integers at their extremes, and every
 * string of a health event at its longest and all escapes (the room
 * event_encode reserves; AddressSanitizer stops a write past it). */
static void test_encoder_writes_what_the_string_writer_writes(void **state)
{
    (void)state;
    struct usage_event ev;
    struct strbuf sb = STRBUF_INIT;
    for (int c = 1; c < 256; c++)
        for (int at = 0; at < 10; at++) {
            memset(&ev, 0, sizeof ev);
            strcpy(ev.source, "src");
            snprintf(ev.job, sizeof ev.job, "%.*s%c%.*s", at, "abcdefghij", c, 9 - at, "klmnopqrs");
            snprintf(ev.account, sizeof ev.account, "%c", c);
            ev.has = EVENT_HAS_GPU_MS;
            sb_reset(&sb);
            event_encode(&ev, &sb);
            assert_member(&sb, "job", ev.job);
            assert_member(&sb, "account", ev.account);
            assert_null(strstr(sb_str(&sb), "\"model\"")); /* "" is left out */
        }
    long long ints[] = {0, 1, 9, 10, -1, 1LL << 53, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        memset(&ev, 0, sizeof ev);
        ev.seq = ints[i];
        ev.gpu_ms = ints[i];
        ev.has = EVENT_HAS_GPU_MS;
        sb_reset(&sb);
        event_encode(&ev, &sb);
        char want[64];
        snprintf(want, sizeof want, ",\"seq\":%lld,", ints[i]);
        assert_non_null(strstr(sb_str(&sb), want));
        snprintf(want, sizeof want, ",\"gpu_ms\":%lld}", ints[i]);
        assert_non_null(strstr(sb_str(&sb), want));
    }
    memset(&ev, 0, sizeof ev);
    ev.kind = EVENT_KIND_HEALTH;
    ev.state = HEALTH_DOWN;
    char *strings[] = {ev.source, ev.account, ev.cluster, ev.site,   ev.model,
                       ev.vendor, ev.job,     ev.node,    ev.device, ev.sig};
    size_t sizes[] = {sizeof ev.source, sizeof ev.account, sizeof ev.cluster, sizeof ev.site,
                      sizeof ev.model,  sizeof ev.vendor,  sizeof ev.job,     sizeof ev.node,
                      sizeof ev.device, sizeof ev.sig};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
        memset(strings[k], 0x01, sizes[k] - 1);
    ev.nreasons = EVENT_MAX_REASONS;
    for (int k = 0; k < EVENT_MAX_REASONS; k++)
        memset(ev.reasons[k], 0x1f, EVENT_REASON_MAX);
    ev.start_ms = -62167219200001LL; /* the widest times */
    ev.end_ms = 253402300800000LL;
    sb_reset(&sb);
    sb_append(&sb, "x", 1); /* appended after what the buffer holds */
    event_encode(&ev, &sb);
    assert_int_equal(sb.buf[0], 'x');
    assert_int_equal(strlen(sb_str(&sb)), sb.len);
    assert_member(&sb, "site", ev.site);
    assert_member(&sb, "sig", ev.sig);
    char start[TIME_TEXT_LEN], end[TIME_TEXT_LEN];
    time_format_rfc3339(ev.start_ms, start);
    time_format_rfc3339(ev.end_ms, end);
    assert_string_equal(end, "10000-01-01T00:00:00Z");
    assert_member(&sb, "start", start);
    assert_member(&sb, "end", end);
    for (int k = 0; k < EVENT_MAX_REASONS; k++) {
        struct strbuf one = STRBUF_INIT;
        sb_put_json_string(&one, ev.reasons[k]);
        assert_non_null(strstr(sb_str(&sb), sb_str(&one)));
        sb_free(&one);
    }
    sb_free(&sb);
}

/* The decoder's eight-bytes-at-a-time scan of a string: what ends a run
 * of printable ASCII (a quote, an escape, a control byte, UTF-8, DEL) is
 * judged the same at every place of a word. */
static void test_strings_read_the_same_at_every_offset(void **state)
{
    (void)state;
    static const struct {
        const char *spelled, *decoded; /* decoded NULL: refused */
        enum event_error err;
    } cases[] = {
        {"\\\"", "\"", EVENT_OK},       {"\\\\", "\\", EVENT_OK},
        {"\\u0041", "A", EVENT_OK},     {"\xc3\xa9", "\xc3\xa9", EVENT_OK},
        {"\xe4\xb8\xad", "\xe4\xb8\xad", EVENT_OK},
        {"\x01", NULL, EVENT_ERR_JSON}, {"\x1f", NULL, EVENT_ERR_JSON},
        {"\x80", NULL, EVENT_ERR_JSON}, {"\x7f", NULL, EVENT_ERR_INVALID},
        {"~ ", "~ ", EVENT_OK},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int at = 0; at <= 17; at++) {
            char json[512], want[64], reason[256];
            snprintf(json, sizeof json,
                     "{\"v\":1,\"source\":\"s\",\"seq\":1,\"account\":\"a\",\"cluster\":\"c\","
                     "\"site\":\"x\",\"start\":\"2026-10-01T08:00:00Z\","
                     "\"end\":\"2026-10-01T09:00:00Z\",\"tokens\":5,\"job\":\"%.*s%s%.*s\"}",
                     at, "abcdefghijklmnopq", cases[c].spelled, 17 - at, "rstuvwxyzABCDEFGH");
            snprintf(want, sizeof want, "%.*s%s%.*s", at, "abcdefghijklmnopq", cases[c].decoded,
                     17 - at, "rstuvwxyzABCDEFGH");
            struct usage_event ev;
            enum event_error err = decode(json, &ev, reason);
            if (err != cases[c].err)
                fail_msg("case %zu at %d: expected %s, got %s (%s)", c, at,
                         event_error_code(cases[c].err), event_error_code(err), reason);
            if (!err) assert_string_equal(ev.job, want);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_event_decodes_every_field),
        cmocka_unit_test(test_encode_round_trips),
        cmocka_unit_test(test_each_required_field_is_required),
        cmocka_unit_test(test_invalid_values_are_rejected),
        cmocka_unit_test(test_integers_stop_at_two_to_the_53),
        cmocka_unit_test(test_not_an_object_is_malformed),
        cmocka_unit_test(test_unknown_fields_are_ignored),
        cmocka_unit_test(test_token_event_needs_no_accelerator),
        cmocka_unit_test(test_hostile_strings_are_refused),
        cmocka_unit_test(test_trailing_data_is_refused),
        cmocka_unit_test(test_integers_are_spelled_as_digits),
        cmocka_unit_test(test_a_field_given_twice_is_refused),
        cmocka_unit_test(test_unknown_values_are_still_json),
        cmocka_unit_test(test_canonical_form_is_a_fixed_point),
        cmocka_unit_test(test_capacity_event_decodes_and_round_trips),
        cmocka_unit_test(test_capacity_event_refuses_what_is_not_capacity),
        cmocka_unit_test(test_health_event_decodes_and_round_trips),
        cmocka_unit_test(test_health_event_refuses_what_is_not_health),
        cmocka_unit_test(test_gpu_memory_is_a_quantity),
        cmocka_unit_test(test_encoder_writes_what_the_string_writer_writes),
        cmocka_unit_test(test_strings_read_the_same_at_every_offset),
    };
    return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
