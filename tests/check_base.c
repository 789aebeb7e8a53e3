/* check_base.c - the status strings, error reporting and the allocator seam. */
#include <check.h>
#include <string.h>

#include "sim/sim_base.h"

Suite *base_suite(void);

START_TEST(test_strerror_every_code_named)
{
    for (int s = 0; s < SIM_STATUS_COUNT; s++) {
        const char *t = sim_strerror((sim_status)s);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_ne(t, "unknown status");
    }
    ck_assert_str_eq(sim_strerror((sim_status)SIM_STATUS_COUNT), "unknown status");
}
END_TEST

START_TEST(test_error_at_formats_position)
{
    sim_status st = sim_error_at(SIM_EKEY, "x.yaml", 12, 5, "unknown key '%s'", "tehc");
    ck_assert_int_eq(st, SIM_EKEY);
    ck_assert_str_eq(sim_last_error(), "x.yaml:12:5: error: unknown key 'tehc'");
    SIM_ERROR(SIM_EINVAL, "width %d", 17);
    ck_assert_str_eq(sim_last_error(), "error: width 17");
    sim_error_at(SIM_EIO, "out.csv", 0, 0, "cannot write");
    ck_assert_str_eq(sim_last_error(), "out.csv: error: cannot write");
    sim_error_clear();
    ck_assert_str_eq(sim_last_error(), "");
}
END_TEST

START_TEST(test_alloc_fail_after_nth)
{
    sim_alloc_fail_after(3);
    void *a = sim_malloc(16), *b = sim_calloc(2, 8);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(sim_malloc(16));
    ck_assert_ptr_null(sim_strdup("later ones fail too"));
    sim_alloc_fail_reset();
    char *c = sim_strdup("works again");
    ck_assert_str_eq(c, "works again");
    sim_free(a);
    sim_free(b);
    sim_free(c);
    sim_free(NULL);
}
END_TEST

Suite *base_suite(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, test_strerror_every_code_named);
    tcase_add_test(tc, test_error_at_formats_position);
    suite_add_tcase(s, tc);
    tc = tcase_create("alloc");
    tcase_add_test(tc, test_alloc_fail_after_nth);
    suite_add_tcase(s, tc);
    return s;
}
