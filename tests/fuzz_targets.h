/* fuzz_targets.h - one function per input apsim reads, taking arbitrary bytes: the libFuzzer
 * harnesses (tests/fuzz/fuzz_main.c, `make fuzz`) and the regression test that replays the
 * seeds and every kept crash (tests/check_fuzz.c) call the same ones. Each loads the bytes as
 * that input and frees what it built; a rejected input is fine, a crash, hang, leak or
 * sanitizer report is the bug. */
#ifndef FUZZ_TARGETS_H
#define FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

typedef void (*fuzz_target_fn)(const uint8_t *data, size_t size);

typedef struct fuzz_target {
    const char *name;       /* "network": tests/fuzz/regress/network/, build/fuzz/fuzz_network */
    fuzz_target_fn fn;      /* loads the bytes as this input */
    const char *seed_globs; /* the shipped files its corpus starts from, space separated */
} fuzz_target;

extern const fuzz_target fuzz_targets[];
extern const size_t fuzz_n_targets;

/* The target called name, or NULL. */
const fuzz_target *fuzz_target_find(const char *name);

#endif /* FUZZ_TARGETS_H */
