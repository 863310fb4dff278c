/* fuzz: shared set-up of the libFuzzer targets in tests/fuzz.
 *
 * Each target defines LLVMFuzzerTestOneInput for one parser. Built with
 * clang -fsanitize=fuzzer by `make fuzz`; built with gcc and linked to
 * replay.c by `make check`, which runs every input of the seed corpus. */
#ifndef GPUMETER_FUZZ_H
#define GPUMETER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parsers log every bad line they skip; a fuzzer feeds millions. libFuzzer
 * and the sanitizers keep their own handle on fd 2. */
static inline void fuzz_quiet(void)
{
    static int done;
    if (!done) stderr = fopen("/dev/null", "w"), done = 1;
}

#endif
