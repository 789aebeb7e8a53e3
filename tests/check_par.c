/* check_par.c - the parallel runtime (par/par.c, docs/PARALLEL.md) as the test binary sees it:
 * not started by an MPI launcher, so one rank whose collectives keep the local values, the
 * blocks of par_block, the describe line, and the par_simulate hook the sharded sweep tests
 * play ranks with. The real multi-rank runs are tested by tests/golden/case_mpi.sh. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "par/par.h"

Suite *par_suite(void);

START_TEST(test_par_serial_collectives)
{
    ck_assert_int_eq(par_init(NULL, NULL), BASE_OK); /* no launcher: nothing started */
    ck_assert_int_eq(par_rank(), 0);
    ck_assert_int_eq(par_size(), 1);
    ck_assert_int_eq(par_barrier(), BASE_OK);
    ck_assert_int_eq(par_agree(BASE_OK), BASE_OK);
    base_error_at(BASE_EIO, "f.csv", 3, 0, "disk full");
    ck_assert_int_eq(par_agree(BASE_EIO), BASE_EIO);
    ck_assert_str_eq(base_last_error(), "f.csv:3: error: disk full");
    uint64_t u[2] = {7, UINT64_MAX};
    ck_assert_int_eq(par_sum_u64(u, 2), BASE_OK);
    ck_assert(u[0] == 7 && u[1] == UINT64_MAX);
    double d[2] = {-0.0, 2.5};
    ck_assert_int_eq(par_max_double(d, 2), BASE_OK);
    ck_assert(d[1] == 2.5);
    unsigned char b[3] = {1, 0, 255};
    ck_assert_int_eq(par_merge(b, sizeof b), BASE_OK);
    ck_assert(b[0] == 1 && b[1] == 0 && b[2] == 255);
    const char *what = par_describe();
    ck_assert_msg(strcmp(what, "serial (built without MPI)") == 0 ||
                      strstr(what, "), 1 rank (not started by an MPI launcher)"),
                  "%s", what);
    par_finalize();
    par_finalize();
    ck_assert_int_eq(par_size(), 1);
}
END_TEST

/* Blocks cover 0..n in rank order, the first n % size one longer; more ranks than items
 * leave the last ones empty. */
START_TEST(test_par_block_covers)
{
    static const size_t want[][2] = {{0, 4}, {4, 7}, {7, 10}};
    size_t first, end;
    for (int r = 0; r < 3; r++) {
        par_simulate(r, 3);
        ck_assert_int_eq(par_rank(), r);
        ck_assert_int_eq(par_size(), 3);
        par_block(10, &first, &end);
        ck_assert_uint_eq(first, want[r][0]);
        ck_assert_uint_eq(end, want[r][1]);
        par_block(2, &first, &end);
        ck_assert_uint_eq(end - first, r < 2 ? 1u : 0u);
        ck_assert_int_eq(par_agree(BASE_ENOMEM), BASE_ENOMEM); /* sees only itself */
    }
    par_simulate(0, 1);
    ck_assert_int_eq(par_size(), 1);
    par_block(10, &first, &end);
    ck_assert(first == 0 && end == 10);
}
END_TEST

Suite *par_suite(void)
{
    Suite *s = suite_create("par");
    TCase *tc = tcase_create("serial");
    tcase_add_test(tc, test_par_serial_collectives);
    tcase_add_test(tc, test_par_block_covers);
    suite_add_tcase(s, tc);
    return s;
}
