/* Event codec: the v1 contract accepts what it documents and rejects the
 * rest with a stable reason code naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/event.h"

#include <cjson/cJSON.h>
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

/* valid with one field replaced (value NULL removes it). */
static enum event_error decode_with(const char *field, const char *value, char *reason)
{
    cJSON *root = cJSON_Parse(valid);
    cJSON_DeleteItemFromObjectCaseSensitive(root, field);
    if (value) cJSON_AddItemToObject(root, field, cJSON_Parse(value));
    char *json = cJSON_PrintUnformatted(root);
    struct usage_event ev;
    enum event_error err = decode(json, &ev, reason);
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
    };
    return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
