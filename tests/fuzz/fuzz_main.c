/* fuzz_main.c - the libFuzzer entry point of one harness, built by `make fuzz` once per target
 * of tests/fuzz_targets.c with -DFUZZ_TARGET="name" (clang -fsanitize=fuzzer). */
#include <stdlib.h>

#include "base/base.h"
#include "tests/fuzz_targets.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=\"<target name>\""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const fuzz_target *t;
    if (!t && !(t = fuzz_target_find(FUZZ_TARGET)))
        abort();
    t->fn(data, size);
    base_error_clear();
    return 0;
}
