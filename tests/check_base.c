/* check_base.c - the status strings, error reporting and the allocator seam. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

START_TEST(test_error_is_a_value)
{
    base_error_at(BASE_ERANGE, "t.yaml", 3, 7, "vdd %.1f", 0.5);
    const base_error *e = base_error_last();
    ck_assert_int_eq(e->status, BASE_ERANGE);
    ck_assert_str_eq(e->file, "t.yaml");
    ck_assert_int_eq(e->line, 3);
    ck_assert_int_eq(e->col, 7);
    ck_assert_str_eq(e->message, "vdd 0.5");
    /* A position without a file is dropped, a column without a line too. */
    base_error_at(BASE_EINVAL, NULL, 4, 2, "x");
    ck_assert_int_eq(base_error_last()->line, 0);
    base_error_at(BASE_EINVAL, "f", 0, 2, "x");
    ck_assert_int_eq(base_error_last()->col, 0);
    ck_assert_str_eq(base_last_error(), "f: error: x");
}
END_TEST

START_TEST(test_error_wrap_keeps_inner_position)
{
    /* No inner position: the context goes before the bare message, at the new position. */
    BASE_ERROR(BASE_ECAPACITY, "needs %d columns", 300);
    ck_assert_str_eq(base_error_inner(), "needs 300 columns");
    ck_assert_int_eq(base_error_wrap(BASE_ECAPACITY, "net.yaml", 9, 0, "layer '%s': ", "conv1"),
                     BASE_ECAPACITY);
    ck_assert_str_eq(base_last_error(), "net.yaml:9: error: layer 'conv1': needs 300 columns");
    /* An inner position is kept whole inside the new message. */
    base_error_wrap(BASE_EIO, NULL, 0, 0, "loading: ");
    ck_assert_str_eq(base_last_error(),
                     "error: loading: net.yaml:9: error: layer 'conv1': needs 300 columns");
    ck_assert_int_eq(base_error_last()->status, BASE_EIO);
    /* The arguments of base_error_at may point into the last error itself. */
    BASE_ERROR(BASE_EINVAL, "abc");
    base_error_at(BASE_EINVAL, "g", 1, 1, "%s%s", base_error_last()->message,
                  base_error_last()->message);
    ck_assert_str_eq(base_last_error(), "g:1:1: error: abcabc");
    base_error_clear();
    ck_assert_int_eq(base_error_last()->status, BASE_OK);
    ck_assert_str_eq(base_error_inner(), "");
}
END_TEST

START_TEST(test_resolve_name_or_path)
{
    char path[4096];
    base_ref ref;
    ck_assert(base_is_pathlike("a/b"));
    ck_assert(base_is_pathlike("x.yaml"));
    ck_assert(!base_is_pathlike("resnet18"));
    ck_assert(!base_is_pathlike(".yaml"));
    /* A shipped name (the tests run from the source tree). */
    ck_assert_int_eq(base_resolve("networks", "alexnet", path, sizeof path, &ref), BASE_OK);
    ck_assert_int_eq(ref, BASE_REF_NAME);
    ck_assert_str_eq(path, "networks/alexnet.yaml");
    /* An existing file is itself, written as a path or not. */
    ck_assert_int_eq(base_resolve("tech", "tech/sram.yaml", path, sizeof path, &ref), BASE_OK);
    ck_assert_int_eq(ref, BASE_REF_FILE);
    ck_assert_str_eq(path, "tech/sram.yaml");
    ck_assert_int_eq(base_resolve("x", "Makefile", path, sizeof path, &ref), BASE_OK);
    ck_assert_int_eq(ref, BASE_REF_FILE);
    /* A missing path is never looked up as a name. */
    ck_assert_int_eq(base_resolve("networks", "nowhere/alexnet", path, sizeof path, &ref),
                     BASE_ENOTFOUND);
    ck_assert_int_eq(ref, BASE_REF_MISSING);
    ck_assert_str_eq(base_last_error(), "nowhere/alexnet: error: no such file");
    /* Unknown and malformed names. */
    ck_assert_int_eq(base_resolve("networks", "nonet", path, sizeof path, &ref), BASE_ENOTFOUND);
    ck_assert_int_eq(ref, BASE_REF_NAME);
    ck_assert(strstr(base_last_error(), "networks/nonet.yaml") != NULL);
    ck_assert_int_eq(base_resolve("networks", "a b", path, sizeof path, &ref), BASE_EINVAL);
    ck_assert_int_eq(base_resolve("networks", "", path, sizeof path, &ref), BASE_EINVAL);
    ck_assert_int_eq(base_resolve("networks", "alexnet", path, 8, &ref), BASE_ERANGE);
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

/* Inputs open only as regular files: a FIFO is refused without blocking, a directory named. */
START_TEST(test_open_input_regular_only)
{
    char dir[] = "/tmp/apsim_open_XXXXXX", fifo[64], file[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    snprintf(file, sizeof file, "%s/r.yaml", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    FILE *fp = fopen(file, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("x: 1\n", fp);
    fclose(fp);
    fp = NULL;
    ck_assert_int_eq(base_open_input(file, &fp), BASE_OK);
    ck_assert_int_eq(fgetc(fp), 'x');
    fclose(fp);
    ck_assert_int_eq(base_open_input(fifo, &fp), BASE_EINVAL);
    ck_assert_ptr_null(fp);
    ck_assert(strstr(base_last_error(), "error: cannot open: is not a regular file") != NULL);
    ck_assert_int_eq(base_open_input(dir, &fp), BASE_EINVAL);
    ck_assert(strstr(base_last_error(), "error: cannot open: is a directory, not a file") != NULL);
    snprintf(file, sizeof file, "%s/absent", dir);
    ck_assert_int_eq(base_open_input(file, &fp), BASE_ENOTFOUND);
    ck_assert(strstr(base_last_error(), "error: cannot open: No such file or directory") != NULL);
    snprintf(file, sizeof file, "%s/r.yaml", dir);
    remove(file);
    remove(fifo);
    rmdir(dir);
}
END_TEST

/* The bar goes only where it is sent; its last line shows the total and ends the line. */
START_TEST(test_progress_draws_only_to_its_stream)
{
    base_progress silent;
    base_progress_begin(&silent, NULL, "x", "steps", 4);
    base_progress_update(&silent, 2);
    base_progress_end(&silent);
    base_progress_update(NULL, 1);
    base_progress_end(NULL);

    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    base_progress p;
    base_progress_begin(&p, fp, "apsim test", "images", 4);
    base_progress_update(&p, 2);
    base_progress_update(&p, 9); /* clamped to the total */
    base_progress_end(&p);
    base_progress_end(&p); /* a second end does nothing */
    char text[1024];
    rewind(fp);
    size_t n = fread(text, 1, sizeof text - 1, fp);
    text[n] = '\0';
    fclose(fp);
    ck_assert(strncmp(text, "\rapsim test [", 13) == 0);
    ck_assert_ptr_nonnull(strstr(text, "0/4 images"));
    ck_assert_ptr_nonnull(strstr(text, "[##############################] 4/4 images"));
    ck_assert_ptr_eq(strchr(text, '\n'), text + n - 1); /* one line, ended once */
}
END_TEST

Suite *base_suite(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, test_strerror_every_code_named);
    tcase_add_test(tc, test_error_at_formats_position);
    tcase_add_test(tc, test_error_is_a_value);
    tcase_add_test(tc, test_error_wrap_keeps_inner_position);
    tcase_add_test(tc, test_resolve_name_or_path);
    suite_add_tcase(s, tc);
    tc = tcase_create("alloc");
    tcase_add_test(tc, test_alloc_fail_after_nth);
    suite_add_tcase(s, tc);
    tc = tcase_create("progress");
    tcase_add_test(tc, test_progress_draws_only_to_its_stream);
    tcase_add_test(tc, test_open_input_regular_only);
    suite_add_tcase(s, tc);
    return s;
}
