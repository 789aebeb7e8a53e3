/* cli_calibrate.c - `apsim calibrate`: refits the rival models' free parameters to their
 * papers' headline ratios (GSL nonlinear least squares, accel/calib.c) and writes
 * accel/calibrated/<model>.yaml, or with --check compares a fresh fit with those files within
 * ACC_CALIB_REL_TOL. The calibration itself: docs/ACCEL.md. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: apsim calibrate [--model NAME] [--out DIR] [--check]\n"
                "  --model    one rival model (");
    for (size_t i = 0; i < acc_model_count(); i++)
        fprintf(fp, "%s%s", i ? ", " : "", acc_model_name(acc_model_at(i)));
    fprintf(fp,
            "); default: all of them\n"
            "  --out      directory of the calibrated files, each written as DIR/<model>.yaml\n"
            "             (default: accel/calibrated beside the shipped parameter files)\n"
            "  --check    write nothing: refit and compare with the calibrated files; exit 1\n"
            "             when a fitted value differs by more than %g (relative)\n",
            ACC_CALIB_REL_TOL);
}

typedef struct calib_opts {
    const char *model, *out;
    int check;
} calib_opts;

/* Returns -1 to go on, else the exit status (0 after --help, 2 after a usage error). */
static int parse(calib_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--model") == 0 && i + 1 < argc) {
            o->model = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            o->out = argv[++i];
        } else if (strcmp(a, "--check") == 0) {
            o->check = 1;
        } else {
            fprintf(stderr, "apsim calibrate: error: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

/* Prints how the file at path compares with the fresh fit p; *differs set when it does. */
static base_status check_one(const acc_params *p, const char *path, int *differs)
{
    acc_calib_diff d;
    base_status st = acc_calib_compare(p, path, &d);
    if (st != BASE_OK)
        return st;
    if (!d.param)
        printf("%s: no free parameters, nothing to compare\n", path);
    else if (d.unfitted)
        printf("%s: DIFFERS: %s = %.9g there is not from a fit (fresh fit: %.9g)\n", path, d.param,
               d.committed, d.fresh);
    else if (!d.same)
        printf("%s: DIFFERS: %s = %.9g there, %.9g fitted (relative difference %.3g > %g)\n", path,
               d.param, d.committed, d.fresh, d.max_rel, ACC_CALIB_REL_TOL);
    else
        printf("%s: matches a fresh fit (largest relative difference %.3g, in %s)\n", path,
               d.max_rel, d.param);
    *differs |= !d.same;
    return BASE_OK;
}

/* Fits one model and writes or checks its calibrated file. */
static base_status calibrate_one(const acc_model *m, const calib_opts *o, int *differs)
{
    char path[4200];
    acc_params *p = NULL;
    acc_fit *fit = NULL;
    base_status st = acc_calib_fit_shipped(m, &p, &fit);
    if (st == BASE_OK)
        st = acc_calib_path(p, o->out, path, sizeof path);
    if (st == BASE_OK && o->check)
        st = check_one(p, path, differs);
    else if (st == BASE_OK && (st = acc_calib_write(m, p, fit, path)) == BASE_OK)
        printf("%s: residual %.3g after %zu iterations -> %s\n", acc_model_name(m),
               acc_fit_residual(fit), acc_fit_n_iter(fit), path);
    acc_fit_free(fit);
    acc_params_free(p);
    return st;
}

int cli_calibrate(int argc, char **argv)
{
    calib_opts o;
    int early = parse(&o, argc, argv);
    if (early >= 0)
        return early;
    const acc_model *only = NULL;
    base_status st = o.model ? acc_model_find(o.model, &only) : BASE_OK;
    if (st == BASE_OK && o.out && !o.check)
        st = base_mkdir_p(o.out);
    int differs = 0;
    for (size_t i = 0; st == BASE_OK && i < acc_model_count(); i++)
        if (!only || acc_model_at(i) == only)
            st = calibrate_one(acc_model_at(i), &o, &differs);
    if (st != BASE_OK) {
        fprintf(stderr, "apsim calibrate: %s\n", base_last_error());
        return cli_exit_code(st);
    }
    return differs ? 1 : 0;
}
