/* event: the usage event contract v1, one shared codec for every component.
 *
 * One JSON object per Kafka message (docs/event-contract.md), read with the
 * strict reader (core/json.h) and nothing after it. Integers are spelled as
 * digits, from 0 (seq: 1) to 2^53-1; strings are strict UTF-8 without
 * control or bidirectional formatting characters (core/utf8.h); a field
 * given twice is refused; times are RFC 3339 UTC; unknown fields are
 * ignored. event_decode validates every required field and returns a stable
 * reason code plus a sentence naming the field, so a rejected event can be
 * set aside with why. Capacity events (kind "capacity") share the
 * envelope and carry devices, allocated_ms and idle_energy_mj instead of
 * usage quantities; health events (kind "health") share it too and carry
 * one device's state over the window (up, degraded or down) with the codes
 * of its reasons (core/health_reasons.h), never billed. event_encode writes
 * the canonical form, which event_decode accepts and decodes to the same
 * event. The usage
 * quantities are the meters of core/meter.h: each row's code is its JSON
 * field, its bound per ms of the window is checked here, and ev->qty[m]
 * holds it, so a meter added to the registry is read and written with no
 * change here. Thread-safe. */
#ifndef GPUMETER_EVENT_H
#define GPUMETER_EVENT_H

#include "health_reasons.h"
#include "meter.h"
#include "strbuf.h"

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

#define EVENT_VERSION  1
#define EVENT_INT_MAX  9007199254740991LL  /* 2^53 - 1 */
#define EVENT_MAX_SPAN (35LL * 86400000LL) /* longest window, ms */
/* The longest job: a Kubernetes pod name is a DNS subdomain of up to 253
 * bytes (Kubeflow and Job pods reach 60-70 easily), and a collector that
 * cannot name a pod cannot meter its device (docs/event-contract.md). */
#define EVENT_JOB_MAX 253
/* A health event's reasons: a short list of codes (docs/event-contract.md);
 * no signal set of one device in one window has more. */
#define EVENT_MAX_REASONS 8
#define EVENT_REASON_MAX  32 /* bytes of one reason code */

/* Which fields an event has: bit m for the quantity of meter m
 * (core/meter.h), then the others. */
#define EVENT_HAS_QTY(m) (1u << (m))
enum event_field_bits {
    EVENT_HAS_GPU_MS = EVENT_HAS_QTY(METER_GPU),
    EVENT_HAS_TOKENS = EVENT_HAS_QTY(METER_TOKENS),
    EVENT_HAS_ENERGY = EVENT_HAS_QTY(METER_ENERGY),
    EVENT_HAS_GPU_MEM = EVENT_HAS_QTY(METER_GPU_MEM),
    EVENT_HAS_ANY_QTY = (1u << METER_COUNT) - 1,
    EVENT_HAS_MODEL_PARAMS = 1u << 16,
    EVENT_HAS_IDLE_ENERGY = 1u << 17,
};
_Static_assert(METER_COUNT <= 16, "the event's quantity bits end at 1 << 15");

/* What an event reports: usage billed to an account, the capacity of one
 * node's devices over the window (installed, allocated and the energy of
 * what was idle), or one device's health over the window; capacity and
 * health are never billed (docs/event-contract.md). */
enum event_kind { EVENT_KIND_USAGE = 0, EVENT_KIND_CAPACITY = 1, EVENT_KIND_HEALTH = 2 };

struct usage_event {
    enum event_kind kind;
    char source[129];
    int64_t seq;
    char account[129];
    char cluster[65];
    char site[65];
    char model[65];  /* accelerator model as reported, "" for token-only events */
    char vendor[33]; /* accelerator vendor, "" for token-only events */
    char job[EVENT_JOB_MAX + 1]; /* optional, 0-253 bytes */
    int64_t start_ms, end_ms;
    /* the quantity of each meter, in base units, in registry order
     * (qty[m] for meter m), also by name for the code that knows one */
    union {
        int64_t qty[METER_COUNT];
        struct {
            int64_t gpu_ms, tokens, energy_mj, gpu_mem_gib_ms;
        };
    };
    int64_t model_params;
    /* capacity events: the node, how many devices it had over the whole
     * window, the GPU-ms of them allocated, and the energy of the idle part */
    char node[65];
    int64_t devices, allocated_ms, idle_energy_mj;
    /* health events: the node above, the device (its UUID or index as the
     * exporter names it), its state and the codes of why (none when up) */
    char device[65];
    enum health_state state;
    int nreasons;
    char reasons[EVENT_MAX_REASONS][EVENT_REASON_MAX + 1];
    unsigned has; /* enum event_field_bits */
    char sig[65]; /* hex HMAC-SHA256 (core/signature.h), "" when unsigned */
};

enum event_error {
    EVENT_OK = 0,
    EVENT_ERR_JSON,     /* not a JSON object */
    EVENT_ERR_VERSION,  /* "v" is not a version this build reads */
    EVENT_ERR_MISSING,  /* a required field is absent */
    EVENT_ERR_INVALID,  /* a field has the wrong type, range or form */
    EVENT_ERR_QUANTITY, /* a quantity is negative, fractional or absurd */
};

/* Absurd quantities (docs/event-contract.md): more accelerators busy than
 * any cluster has, more power per accelerator than any draws, or more tokens
 * than any job processes in one report. */
#define EVENT_MAX_ACCELERATORS  100000LL
#define EVENT_MAX_MJ_PER_GPU_MS 10000LL /* 10 kW: a whole node per GPU, not a unit error */
#define EVENT_MAX_STANDALONE    1000000000000000LL /* 10^15 */

/* Decodes and validates len bytes. On error, reason receives one sentence
 * naming the field (NUL-terminated, truncated to reason_len). */
enum event_error event_decode(const char *buf, size_t len, struct usage_event *ev, char *reason,
                              size_t reason_len);

/* Whether the event has a quantity counted under its accelerator (any
 * meter not counted by the trained model's size): then model and vendor
 * are required. */
bool event_on_hardware(const struct usage_event *ev);

/* A health state as events and device_health spell it: "up", "degraded"
 * or "down". */
const char *event_health_state(enum health_state state);

/* Stable lower-case code for counting and dead-letter headers. */
const char *event_error_code(enum event_error err);

/* Appends the canonical JSON of ev to sb. */
void event_encode(const struct usage_event *ev, struct strbuf *sb);

#endif
