/* Runs a fuzz target over files (its corpus) without libFuzzer, so the
 * corpus replays under gcc's ASan and UBSan in `make check`. */
#include "tests/fuzz/fuzz.h"

#include "core/fileio.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct strbuf sb = STRBUF_INIT;
        if (!file_read_all(argv[i], &sb)) {
            printf("not ok - read %s\n", argv[i]);
            failed = 1;
            continue;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)(sb.buf ? sb.buf : ""), sb.len);
        sb_free(&sb);
    }
    printf("%s - %d corpus inputs replay without a sanitizer report\n", failed ? "not ok" : "ok",
           argc - 1);
    return failed;
}
