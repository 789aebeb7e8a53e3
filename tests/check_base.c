/* check_base.c - the status strings, error reporting and the allocator seam. */
#include <check.h>
#include <string.h>

#include "base/base.h"

Suite *base_suite(void);

START_TEST(test_strerror_every_code_named)
{
    for (int s = 0; s < BASE_STATUS_COUNT; s++) {
        const char *t = base_strerror((base_status)s);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_ne(t, "unknown status");
    }
    ck_assert_str_eq(base_strerror((base_status)BASE_STATUS_COUNT), "unknown status");
}
END_TEST

START_TEST(test_error_at_formats_position)
{
    base_status st = base_error_at(BASE_EKEY, "x.yaml", 12, 5, "unknown key '%s'", "tehc");
    ck_assert_int_eq(st, BASE_EKEY);
    ck_assert_str_eq(base_last_error(), "x.yaml:12:5: error: unknown key 'tehc'");
    BASE_ERROR(BASE_EINVAL, "width %d", 17);
    ck_assert_str_eq(base_last_error(), "error: width 17");
    base_error_at(BASE_EIO, "out.csv", 0, 0, "cannot write");
    ck_assert_str_eq(base_last_error(), "out.csv: error: cannot write");
    base_error_clear();
    ck_assert_str_eq(base_last_error(), "");
}
END_TEST

START_TEST(test_alloc_fail_after_nth)
{
    base_alloc_fail_after(3);
    void *a = base_malloc(16), *b = base_calloc(2, 8);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(base_malloc(16));
    ck_assert_ptr_null(base_strdup("later ones fail too"));
    base_alloc_fail_reset();
    char *c = base_strdup("works again");
    ck_assert_str_eq(c, "works again");
    base_free(a);
    base_free(b);
    base_free(c);
    base_free(NULL);
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
