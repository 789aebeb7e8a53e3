/* check_cfg.c - strict YAML loading: positions, duplicate and unknown keys, scalar types. */
#include <check.h>
#include <string.h>

#include "cfg/cfg.h"

Suite *cfg_suite(void);

static cfg_doc *load_ok(const char *text)
{
    cfg_doc *d = NULL;
    base_status st = cfg_doc_load_string("t.yaml", text, strlen(text), &d);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return d;
}

static void load_fails(const char *text, base_status want, const char *msg)
{
    cfg_doc *d = NULL;
    base_status st = cfg_doc_load_string("t.yaml", text, strlen(text), &d);
    ck_assert_int_eq(st, want);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(base_last_error(), msg);
}

START_TEST(test_load_tree_positions)
{
    cfg_doc *d = load_ok("a: 3\nb:\n  - x\n  - {c: 2.5}\n");
    const cfg_node *r = cfg_doc_root(d);
    ck_assert_int_eq(cfg_node_kind(r), CFG_MAP);
    ck_assert_uint_eq(cfg_node_len(r), 2);
    const cfg_node *b = cfg_map_get(r, "b");
    ck_assert_int_eq(cfg_node_kind(b), CFG_SEQ);
    ck_assert_int_eq(cfg_node_line(cfg_seq_at(b, 1)), 4);
    ck_assert_int_eq(cfg_node_col(cfg_seq_at(b, 1)), 5);
    double c = 0;
    ck_assert_int_eq(cfg_get_double(cfg_seq_at(b, 1), "c", 0, 10, &c), BASE_OK);
    ck_assert_double_eq_tol(c, 2.5, 1e-12);
    ck_assert_str_eq(cfg_node_text(cfg_map_key_at(r, 0)), "a");
    cfg_doc_free(d);
}
END_TEST

START_TEST(test_load_duplicate_key)
{
    load_fails("a: 3\nb: 4\na: 5\n", BASE_EKEY,
               "t.yaml:3:1: error: duplicate key 'a' (first at line 1)");
}
END_TEST

START_TEST(test_load_syntax_error)
{
    cfg_doc *d = NULL;
    ck_assert_int_eq(cfg_doc_load_string("t.yaml", "a: [1, 2\n", 9, &d), BASE_EPARSE);
    ck_assert_ptr_null(d);
    ck_assert(strncmp(base_last_error(), "t.yaml:2:1: error: ", 19) == 0);
}
END_TEST

START_TEST(test_load_alias_rejected)
{
    load_fails("a: &x 3\n", BASE_EPARSE, "t.yaml:1:4: error: YAML anchors are not supported");
    load_fails("- 2\n- 3\n---\n- 4\n", BASE_EPARSE,
               "t.yaml:3:1: error: only one YAML document per file is allowed");
}
END_TEST

START_TEST(test_load_missing_file)
{
    cfg_doc *d = NULL;
    ck_assert_int_eq(cfg_doc_load("/nonexistent/apsim.yaml", &d), BASE_ENOTFOUND);
    ck_assert(strstr(base_last_error(), "/nonexistent/apsim.yaml: error: cannot open") != NULL);
}
END_TEST

START_TEST(test_load_out_of_memory)
{
    const char *text = "a: 3\nb: [x, y, {c: 2}]\n";
    for (long n = 1; n < 40; n++) {
        cfg_doc *d = NULL;
        base_alloc_fail_after(n);
        base_status st = cfg_doc_load_string("t.yaml", text, strlen(text), &d);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            cfg_doc_free(d);
            return;
        }
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(d);
    }
    ck_abort_msg("loading never succeeded");
}
END_TEST

START_TEST(test_check_unknown_key)
{
    cfg_doc *d = load_ok("sweep:\n  tech: [sram]\n  tehc: 3\n");
    static const char *const allowed[] = {"tech", "vdd", NULL};
    const cfg_node *s = cfg_map_get(cfg_doc_root(d), "sweep");
    ck_assert_int_eq(cfg_map_check(s, "sweep", allowed), BASE_EKEY);
    ck_assert_str_eq(base_last_error(), "t.yaml:3:3: error: unknown key 'tehc' in 'sweep'");
    const cfg_node *v;
    ck_assert_int_eq(cfg_map_require(s, "vdd", "sweep", &v), BASE_EKEY);
    ck_assert_str_eq(base_last_error(), "t.yaml:2:3: error: missing key 'vdd' in 'sweep'");
    ck_assert_int_eq(cfg_map_check(cfg_map_get(s, "tech"), "tech", allowed), BASE_ETYPE);
    cfg_doc_free(d);
}
END_TEST

START_TEST(test_convert_scalars)
{
    cfg_doc *d = load_ok("i: 12\nbad: 12x\nbig: 99\nf: 0.75\nb: yes\ns: [1]\nnan: nan\n");
    const cfg_node *r = cfg_doc_root(d);
    long i = 0;
    double f = 0;
    int b = 0;
    ck_assert_int_eq(cfg_get_long(r, "i", 1, 16, &i), BASE_OK);
    ck_assert_int_eq(i, 12);
    ck_assert_int_eq(cfg_get_long(r, "bad", 1, 16, &i), BASE_ETYPE);
    ck_assert_str_eq(base_last_error(), "t.yaml:2:6: error: expected an integer, found '12x'");
    ck_assert_int_eq(cfg_get_long(r, "big", 1, 16, &i), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "t.yaml:3:6: error: value 99 is outside 1..16");
    ck_assert_int_eq(cfg_get_double(r, "f", 0.5, 1.0, &f), BASE_OK);
    ck_assert_double_eq_tol(f, 0.75, 1e-12);
    ck_assert_int_eq(cfg_get_double(r, "f", 0.8, 1.0, &f), BASE_ERANGE);
    ck_assert_int_eq(cfg_get_double(r, "nan", 0, 1, &f), BASE_ETYPE);
    ck_assert_int_eq(cfg_get_bool(r, "b", &b), BASE_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(cfg_get_bool(r, "i", &b), BASE_ETYPE);
    ck_assert_int_eq(cfg_get_long(r, "s", 1, 16, &i), BASE_ETYPE);
    ck_assert_str_eq(base_last_error(), "t.yaml:6:4: error: expected a scalar, found a sequence");
    i = 7;
    ck_assert_int_eq(cfg_get_long(r, "absent", 1, 16, &i), BASE_OK);
    ck_assert_int_eq(i, 7);
    cfg_doc_free(d);
}
END_TEST

/* YAML's scalar style is kept: a quoted "8" is a string, never the number 8 (nor a quoted
 * true a boolean); hexadecimal, inf and spaced numbers are not numbers either. */
START_TEST(test_quoted_and_odd_numbers_refused)
{
    cfg_doc *d = load_ok("count: \"8\"\nsingle: '0.5'\nflag: \"true\"\nhex: 0x1p-1\n"
                         "hexi: 0x10\ninf: inf\nexp: 2.5e-1\nplain: 8\nname: \"8\"\n");
    const cfg_node *r = cfg_doc_root(d);
    long i = 0;
    double f = 0;
    int b = 0;
    const char *str = NULL;
    ck_assert_int_eq(cfg_get_long(r, "count", 1, 16, &i), BASE_ETYPE);
    ck_assert_str_eq(base_last_error(), "t.yaml:1:8: error: expected an integer, found the "
                                        "quoted string '8' (remove the quotes)");
    ck_assert_int_eq(cfg_get_double(r, "single", 0, 1, &f), BASE_ETYPE);
    ck_assert_int_eq(cfg_get_bool(r, "flag", &b), BASE_ETYPE);
    ck_assert_int_eq(cfg_get_double(r, "hex", 0, 1, &f), BASE_ETYPE);
    ck_assert_str_eq(base_last_error(), "t.yaml:4:6: error: expected a number, found '0x1p-1'");
    ck_assert_int_eq(cfg_get_long(r, "hexi", 0, 100, &i), BASE_ETYPE);
    ck_assert_int_eq(cfg_get_double(r, "inf", 0, 1e300, &f), BASE_ETYPE);
    ck_assert_int_eq(cfg_get_double(r, "exp", 0, 1, &f), BASE_OK);
    ck_assert_double_eq_tol(f, 0.25, 1e-15);
    ck_assert_int_eq(cfg_get_long(r, "plain", 1, 16, &i), BASE_OK);
    ck_assert_int_eq(i, 8);
    ck_assert_int_eq(cfg_get_str(r, "name", &str), BASE_OK); /* a string stays a string */
    ck_assert_str_eq(str, "8");
    cfg_doc_free(d);
}
END_TEST

START_TEST(test_is_decimal)
{
    static const char *const yes[] = {"0",  "12", "-3",  "+4",   "2.5",
                                      ".5", "5.", "1e3", "1E-3", "-2.5e+10"};
    static const char *const no[] = {"",    "-",   ".",  "e3", "1e",   "1e+",   "0x10", "0x1p-1",
                                     "inf", "nan", " 1", "1 ", "1..2", "1e3.5", "--1"};
    for (size_t k = 0; k < sizeof yes / sizeof yes[0]; k++)
        ck_assert_msg(base_is_decimal(yes[k]), "%s", yes[k]);
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++)
        ck_assert_msg(!base_is_decimal(no[k]), "%s", no[k]);
}
END_TEST

/* An error without a position is re-raised at the node, prefixed with what; one that already
 * names a file keeps its position, under the caller's status. */
START_TEST(test_error_at_node_relocates)
{
    cfg_doc *d = load_ok("tech:\n  vdd_v: 0.4\n");
    const cfg_node *v = cfg_map_get(cfg_map_get(cfg_doc_root(d), "tech"), "vdd_v");
    BASE_ERROR(BASE_ERANGE, "vdd 0.40 V is below 0.50 V");
    ck_assert_int_eq(cfg_error_at_node(v, BASE_ERANGE, "tech"), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "t.yaml:2:10: error: tech: vdd 0.40 V is below 0.50 V");
    BASE_ERROR(BASE_EINVAL, "bad");
    ck_assert_int_eq(cfg_error_at_node(v, BASE_EINVAL, NULL), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "t.yaml:2:10: error: bad");
    base_error_at(BASE_EIO, "inner.yaml", 3, 1, "bad key");
    ck_assert_int_eq(cfg_error_at_node(v, BASE_ENOTFOUND, "tech"), BASE_ENOTFOUND);
    ck_assert_int_eq(base_error_last()->status, BASE_ENOTFOUND);
    ck_assert_str_eq(base_last_error(), "inner.yaml:3:1: error: bad key");
    /* A file without a line: the node is the more precise position. */
    base_error_at(BASE_EIO, "m.onnx", 0, 0, "cannot open");
    ck_assert_int_eq(cfg_error_at_node(v, BASE_EIO, "network"), BASE_EIO);
    ck_assert_str_eq(base_last_error(), "t.yaml:2:10: error: network: m.onnx: cannot open");
    cfg_doc_free(d);
}
END_TEST

Suite *cfg_suite(void)
{
    Suite *s = suite_create("cfg");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_load_tree_positions);
    tcase_add_test(tc, test_load_duplicate_key);
    tcase_add_test(tc, test_load_syntax_error);
    tcase_add_test(tc, test_load_alias_rejected);
    tcase_add_test(tc, test_load_missing_file);
    tcase_add_test(tc, test_load_out_of_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("check");
    tcase_add_test(tc, test_check_unknown_key);
    tcase_add_test(tc, test_convert_scalars);
    tcase_add_test(tc, test_quoted_and_odd_numbers_refused);
    tcase_add_test(tc, test_is_decimal);
    tcase_add_test(tc, test_error_at_node_relocates);
    suite_add_tcase(s, tc);
    return s;
}
