/* check_fuzz.c - the fuzzing regression suite: every seed file of every fuzz target
 * (tests/fuzz_targets.c) and every input kept under tests/fuzz/regress/<target>/ (each a crash
 * or sanitizer report `make fuzz` once found, kept after its fix) runs through the same
 * function the libFuzzer harness calls; under `make san` the sanitizers watch. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "tests/fuzz_targets.h"

Suite *fuzz_suite(void);

/* Runs the file at path through t; returns 1 when it could be read. */
static int replay(const fuzz_target *t, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(fp);
    t->fn(buf, n);
    base_error_clear();
    free(buf);
    return 1;
}

/* Replays every file matching the space-separated patterns; the count read. */
static size_t replay_globs(const fuzz_target *t, const char *patterns)
{
    char list[512], *save = NULL;
    size_t n = 0;
    snprintf(list, sizeof list, "%s", patterns);
    for (char *p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
        glob_t g;
        if (glob(p, 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc; i++)
            n += (size_t)replay(t, g.gl_pathv[i]);
        globfree(&g);
    }
    return n;
}

START_TEST(test_fuzz_seeds_and_regressions)
{
    const fuzz_target *t = &fuzz_targets[_i];
    char kept[128];
    ck_assert_msg(replay_globs(t, t->seed_globs) > 0, "%s: no seed file", t->name);
    snprintf(kept, sizeof kept, "tests/fuzz/regress/%s/*", t->name);
    replay_globs(t, kept);
}
END_TEST

Suite *fuzz_suite(void)
{
    Suite *s = suite_create("fuzz");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fuzz_seeds_and_regressions, 0, (int)fuzz_n_targets);
    suite_add_tcase(s, tc);
    return s;
}
