/* check_cli.c - the option parser every apsim command shares (cli/cli_opt.c): the value
 * forms, -- and positionals, and every usage error with its message and exit status. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct t_opts {
    const char *bits, *out, *quiet;
} t_opts;

static const cli_opt t_table[] = {
    {"bits", 0, "SPEC", "the bits", offsetof(t_opts, bits)},
    {"out", 'o', "DIR", "the output directory", offsetof(t_opts, out)},
    {"quiet", 'q', NULL, "print nothing", offsetof(t_opts, quiet)},
};

Suite *cli_suite(void);

static const cli_cmd t_cmd = {"t", "<a> [<b>]", 1, 2, "a test command", NULL, t_table, 3, NULL};

/* Parses the NULL-terminated args with stderr and stdout in files; *err gets stderr's first
 * line (static). */
static int parse(const char *const *args, t_opts *o, const char **pos, size_t *n_pos,
                 const char **err)
{
    static char line[512];
    int argc = 0;
    while (args[argc])
        argc++;
    memset(o, 0, sizeof *o);
    fflush(stderr);
    fflush(stdout);
    int saved_err = dup(2), saved_out = dup(1);
    FILE *ef = tmpfile(), *of = tmpfile();
    ck_assert(ef && of);
    dup2(fileno(ef), 2);
    dup2(fileno(of), 1);
    int rc = cli_opt_parse(&t_cmd, argc, (char **)(uintptr_t)args, o, pos, n_pos);
    fflush(stderr);
    fflush(stdout);
    dup2(saved_err, 2);
    dup2(saved_out, 1);
    close(saved_err);
    close(saved_out);
    rewind(ef);
    line[0] = '\0';
    if (!fgets(line, sizeof line, ef)) {
        rewind(of);
        if (!fgets(line, sizeof line, of))
            line[0] = '\0';
    }
    line[strcspn(line, "\n")] = '\0';
    fclose(ef);
    fclose(of);
    *err = line;
    return rc;
}

START_TEST(test_value_forms)
{
    t_opts o;
    const char *pos[2], *err;
    size_t n;
    static const char *const a1[] = {"x", "--bits", "int4", "-o", "d", "-q", NULL};
    ck_assert_int_eq(parse(a1, &o, pos, &n, &err), -1);
    ck_assert_str_eq(o.bits, "int4");
    ck_assert_str_eq(o.out, "d");
    ck_assert_ptr_nonnull(o.quiet);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(pos[0], "x");
    static const char *const a2[] = {"--bits=w4a8", "--out=e=f", "x", "-oz", NULL};
    ck_assert_int_eq(parse(a2, &o, pos, &n, &err), 2); /* --out and -oz: given twice */
    ck_assert_str_eq(err, "apsim t: error: option '--out' given twice");
    static const char *const a3[] = {"--bits=w4a8", "--out=e=f", "x", "y", NULL};
    ck_assert_int_eq(parse(a3, &o, pos, &n, &err), -1);
    ck_assert_str_eq(o.bits, "w4a8");
    ck_assert_str_eq(o.out, "e=f");
    ck_assert_ptr_null(o.quiet);
    ck_assert_uint_eq(n, 2);
    static const char *const a4[] = {"-oz", "x", NULL};
    ck_assert_int_eq(parse(a4, &o, pos, &n, &err), -1);
    ck_assert_str_eq(o.out, "z");
    /* A value may start with a dash; -- ends the options; a lone - is a positional. */
    static const char *const a5[] = {"--bits", "-x", "--", "-q", "-", NULL};
    ck_assert_int_eq(parse(a5, &o, pos, &n, &err), -1);
    ck_assert_str_eq(o.bits, "-x");
    ck_assert_ptr_null(o.quiet);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(pos[0], "-q");
    ck_assert_str_eq(pos[1], "-");
}
END_TEST

START_TEST(test_help)
{
    t_opts o;
    const char *pos[2], *err;
    size_t n;
    static const char *const a1[] = {"--help", NULL}, *const a2[] = {"x", "-h", "--frob", NULL};
    ck_assert_int_eq(parse(a1, &o, pos, &n, &err), 0);
    ck_assert_str_eq(err, "usage: apsim t [options] <a> [<b>]");
    ck_assert_int_eq(parse(a2, &o, pos, &n, &err), 0);
}
END_TEST

START_TEST(test_errors)
{
    static const struct {
        const char *args[5];
        const char *msg;
    } cases[] = {
        {{"x", "--bits", NULL}, "apsim t: error: option '--bits' needs a value"},
        {{"x", "-o", NULL}, "apsim t: error: option '--out' needs a value"},
        {{"x", "--quiet=1", NULL}, "apsim t: error: option '--quiet' takes no value"},
        {{"x", "-q", "--quiet", NULL}, "apsim t: error: option '--quiet' given twice"},
        {{"x", "--bits=1", "--bits", "2", NULL}, "apsim t: error: option '--bits' given twice"},
        {{"x", "--frob", NULL}, "apsim t: error: unknown option '--frob' (try 'apsim t --help')"},
        {{"x", "--frob=2", NULL}, "apsim t: error: unknown option '--frob' (try 'apsim t --help')"},
        {{"x", "-z", NULL}, "apsim t: error: unknown option '-z' (try 'apsim t --help')"},
        {{"x", "--csv", "f", NULL},
         "apsim t: error: unknown option '--csv': the output is -o/--out now"},
        {{"x", "--results", "f", NULL},
         "apsim t: error: unknown option '--results': the output is -o/--out now"},
        {{"x", "y", "z", NULL}, "apsim t: error: unexpected argument 'z'"},
        {{"--bits", "int8", NULL}, "apsim t: error: missing <a> [<b>]"},
        {{"--", NULL}, "apsim t: error: missing <a> [<b>]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t_opts o;
        const char *pos[2], *err;
        size_t n;
        ck_assert_int_eq(parse(cases[i].args, &o, pos, &n, &err), 2);
        ck_assert_str_eq(err, cases[i].msg);
    }
}
END_TEST

/* A set-writing command's output directory: "-" and "" refused, a directory accepted. */
START_TEST(test_out_dir)
{
    int saved = dup(2);
    FILE *ef = tmpfile();
    dup2(fileno(ef), 2);
    int dash = cli_opt_out_dir(&t_cmd, "-"), empty = cli_opt_out_dir(&t_cmd, "");
    int dir = cli_opt_out_dir(&t_cmd, "results/x"), none = cli_opt_out_dir(&t_cmd, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char line[256] = "";
    rewind(ef);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, ef));
    fclose(ef);
    ck_assert_int_eq(dash, 2);
    ck_assert_int_eq(empty, 2);
    ck_assert_int_eq(dir, -1);
    ck_assert_int_eq(none, -1);
    ck_assert_ptr_nonnull(strstr(line, "apsim t: error: -o/--out names a directory here"));
}
END_TEST

/* The real commands refuse before loading anything. */
START_TEST(test_commands)
{
    static const char *const run_dash[] = {"alexnet", "-o", "-", NULL};
    static const char *const sweep_dash[] = {"x.yaml", "--out=-", NULL};
    static const char *const fm_model[] = {"sweep", "--model", "m.onnx", NULL};
    static const char *const fm_eval[] = {"eval", NULL};
    int saved = dup(2);
    FILE *ef = tmpfile();
    dup2(fileno(ef), 2);
    int r1 = cli_run(3, (char **)(uintptr_t)run_dash);
    int r2 = cli_sweep(2, (char **)(uintptr_t)sweep_dash);
    int r3 = cli_fmnist(3, (char **)(uintptr_t)fm_model);
    int r4 = cli_fmnist(1, (char **)(uintptr_t)fm_eval);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(ef);
    ck_assert_int_eq(r1, 2);
    ck_assert_int_eq(r2, 2);
    ck_assert_int_eq(r3, 2);
    ck_assert_int_eq(r4, 2);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, test_value_forms);
    tcase_add_test(tc, test_help);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_out_dir);
    tcase_add_test(tc, test_commands);
    suite_add_tcase(s, tc);
    return s;
}
