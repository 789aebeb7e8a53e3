/* cli_calibrate.c - `apsim calibrate`: refits the rival models' free parameters to their
 * papers' headline ratios (GSL nonlinear least squares, accel/calib.c) and writes
 * accel/calibrated/<model>.yaml, or with --check compares a fresh fit with those files within
 * ACC_CALIB_REL_TOL. The calibration itself: docs/ACCEL.md. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct calib_opts {
    const char *model, *out, *check, *quiet;
} calib_opts;

static void more_help(FILE *fp)
{
    fprintf(fp, "Rival models:");
    for (size_t i = 0; i < acc_model_count(); i++)
        fprintf(fp, "%s%s", i ? ", " : " ", acc_model_name(acc_model_at(i)));
    fprintf(fp, ". --check fails when a value differs by more than %g (relative).\n",
            ACC_CALIB_REL_TOL);
}

static const cli_opt calib_opts_table[] = {
    {"model", 0, "NAME", "one rival model (default: all of them)", offsetof(calib_opts, model)},
    {"out", 'o', "DIR",
     "directory of the calibrated files, each written as DIR/<model>.yaml\n"
     "(default: accel/calibrated beside the shipped parameter files)",
     offsetof(calib_opts, out)},
    {"check", 0, NULL,
     "write nothing: refit and compare with the calibrated files; exit 1\n"
     "when a fitted value differs",
     offsetof(calib_opts, check)},
    {"quiet", 'q', NULL, "print nothing on success", offsetof(calib_opts, quiet)},
};

const cli_cmd cli_cmd_calibrate = {
    "calibrate",
    "",
    0,
    0,
    "refit the rival models to their papers' headline ratios",
    NULL,
    calib_opts_table,
    sizeof calib_opts_table / sizeof calib_opts_table[0],
    more_help,
};

/* Returns -1 to go on, else the exit status (0 after --help, 2 after a usage error). */
static int parse(calib_opts *o, int argc, char **argv)
{
    const char *pos[1];
    size_t n_pos;
    memset(o, 0, sizeof *o);
    int rc = cli_opt_parse(&cli_cmd_calibrate, argc, argv, o, pos, &n_pos);
    return rc < 0 ? cli_opt_out_dir(&cli_cmd_calibrate, o->out) : rc;
}

/* Prints how the file at path compares with the fresh fit p; *differs set when it does. */
static base_status check_one(const acc_params *p, const char *path, int o_quiet, int *differs)
{
    acc_calib_diff d;
    base_status st = acc_calib_compare(p, path, &d);
    if (st != BASE_OK)
        return st;
    if (o_quiet && d.same) {
        *differs |= !d.same;
        return BASE_OK;
    }
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
        st = check_one(p, path, o->quiet != NULL, differs);
    else if (st == BASE_OK && (st = acc_calib_write(m, p, fit, path)) == BASE_OK && !o->quiet)
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
