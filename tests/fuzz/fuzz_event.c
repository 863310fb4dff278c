/* The usage event codec: decode, and re-encode what decodes. */
#include "core/event.h"
#include "tests/fuzz/fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct usage_event ev, again;
    char why[256];
    if (event_decode((const char *)data, size, &ev, why, sizeof why) != EVENT_OK) return 0;
    struct strbuf sb = STRBUF_INIT;
    event_encode(&ev, &sb);
    if (event_decode(sb.buf, sb.len, &again, why, sizeof why) != EVENT_OK) __builtin_trap();
    if (again.gpu_ms != ev.gpu_ms || again.seq != ev.seq || strcmp(again.account, ev.account))
        __builtin_trap();
    sb_free(&sb);
    return 0;
}
