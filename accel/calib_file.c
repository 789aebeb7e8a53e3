/* calib_file.c - calibrated files (accel/calibrated/<model>.yaml): writes a fit as one
 * (atomically, through base_write_atomic), fits a shipped model from its parameter file, and
 * compares a fresh fit with a committed file within ACC_CALIB_REL_TOL. `apsim calibrate`
 * (cli/cli_calibrate.c) and the accel tests are its callers; the format is in docs/ACCEL.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "accel/accel_impl.h"

/* Writes s as the inside of a double-quoted YAML string (\\ and \" escaped). */
static void yaml_escaped(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', fp);
        fputc(*s, fp);
    }
}

/* Writes s as a double-quoted YAML string. */
static void yaml_quoted(FILE *fp, const char *s)
{
    fputc('"', fp);
    yaml_escaped(fp, s);
    fputc('"', fp);
}

/* What one calibrated file says. */
typedef struct fit_file {
    const acc_model *m;
    const acc_params *p;
    const acc_fit *fit;
    const char *base_path;
} fit_file;

static void write_head(FILE *fp, const fit_file *f)
{
    const char *name = f->m->name;
    fprintf(fp, "# calibrated/%s.yaml - fitted parameters of the %s model (accel/%s.c).\n", name,
            name, name);
    fprintf(fp, "# Written by acc_calibrate (GSL gsl_multifit_nlinear) from %s; regenerate\n",
            f->base_path);
    fprintf(fp, "# with: make calibrate   (see docs/ACCEL.md)\n");
    fprintf(fp, "model: %s\n", name);
    if (f->p->n_free > 0) {
        fputs("provenance: \"least-squares fit of the free parameters of ", fp);
        yaml_escaped(fp, f->base_path);
        fputs(" to the headline ratios in its calibration section\"\n", fp);
    } else {
        fputs("provenance: \"", fp);
        yaml_escaped(fp, f->base_path);
        fputs(" has no free parameters: its targets evaluated as given\"\n", fp);
    }
    fputs("base: ", fp);
    yaml_quoted(fp, f->base_path);
    fputc('\n', fp);
}

static base_status write_fit(FILE *fp, const void *ctx)
{
    const fit_file *f = ctx;
    const acc_params *p = f->p;
    write_head(fp, f);
    fprintf(fp, "fitted:\n");
    if (p->n_free == 0)
        fprintf(fp, "  {}\n");
    for (size_t j = 0; j < p->n_free; j++) {
        size_t i = p->free_idx[j];
        fprintf(fp, "  %s: {value: %.9g, source: \"fit: acc_calibrate to", f->m->defs[i].name,
                p->v[i]);
        for (size_t t = 0; t < p->n_targets; t++) {
            fputs(t ? ", " : " ", fp);
            yaml_escaped(fp, p->targets[t].name);
        }
        fprintf(fp, "\"}\n");
    }
    fprintf(fp, "fit:\n  residual: %.6g\n  n_iter: %zu\n  targets:\n", f->fit->residual,
            f->fit->n_iter);
    for (size_t t = 0; t < f->fit->n_targets; t++) {
        fputs("    - {name: ", fp);
        yaml_quoted(fp, p->targets[t].name);
        fprintf(fp, ", paper: %.6g, model: %.6g}\n", f->fit->paper_ratio[t],
                f->fit->model_ratio[t]);
    }
    return base_write_status(fp);
}

base_status acc_fit_write(const acc_model *m, const acc_params *p, const acc_fit *fit,
                          const char *base_path, const char *out_path)
{
    if (!m || !p || !fit || !base_path || !out_path || p->model != m)
        return BASE_ERROR(BASE_EINVAL, "acc_fit_write: bad arguments");
    const fit_file f = {m, p, fit, base_path};
    return base_write_atomic(out_path, write_fit, &f);
}

/* ---- The shipped models ------------------------------------------------------------------ */

/* Length of the directory part of path, its final '/' included (0 when it has none). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

base_status acc_calib_fit_shipped(const acc_model *m, acc_params **p, acc_fit **fit)
{
    char rel[256], path[4096], workloads[4200];
    *p = NULL;
    *fit = NULL;
    if (!m)
        return BASE_ERROR(BASE_EINVAL, "acc_calib_fit_shipped: model is NULL");
    snprintf(rel, sizeof rel, "accel/%s.yaml", m->name);
    base_status st = base_find_data(rel, path, sizeof path);
    if (st == BASE_OK)
        st = acc_params_load(m, path, p);
    if (st != BASE_OK)
        return st;
    snprintf(workloads, sizeof workloads, "%.*sworkloads", (int)dir_len(path), path);
    st = acc_calibrate(m, *p, workloads, fit);
    if (st != BASE_OK) {
        acc_params_free(*p);
        *p = NULL;
    }
    return st;
}

base_status acc_calib_path(const acc_params *p, const char *dir, char *path_out, size_t cap)
{
    int n = dir ? snprintf(path_out, cap, "%s/%s.yaml", dir, p->model->name)
                : snprintf(path_out, cap, "%.*scalibrated/%s.yaml", (int)dir_len(p->path), p->path,
                           p->model->name);
    if (n < 0 || (size_t)n >= cap)
        return BASE_ERROR(BASE_ERANGE, "path of the calibrated %s file is too long",
                          p->model->name);
    return BASE_OK;
}

base_status acc_calib_write(const acc_model *m, const acc_params *p, const acc_fit *fit,
                            const char *path)
{
    if (!p)
        return BASE_ERROR(BASE_EINVAL, "acc_calib_write: parameters are NULL");
    char base[512];
    snprintf(base, sizeof base, "../%s", p->path + dir_len(p->path));
    return acc_fit_write(m, p, fit, base, path);
}

/* |a - b| relative to the larger magnitude; 0 when both are 0. */
static double rel_diff(double a, double b)
{
    double scale = fmax(fabs(a), fabs(b));
    return scale > 0 ? fabs(a - b) / scale : 0;
}

base_status acc_calib_compare(const acc_params *fresh, const char *path, acc_calib_diff *diff)
{
    memset(diff, 0, sizeof *diff);
    acc_params *c = NULL;
    base_status st = acc_params_load(fresh->model, path, &c);
    if (st != BASE_OK)
        return st;
    diff->same = 1;
    for (size_t j = 0; j < fresh->n_free; j++) {
        size_t i = fresh->free_idx[j];
        double r = rel_diff(fresh->v[i], c->v[i]);
        int fitted = strncmp(c->src[i], "fit:", 4) == 0;
        if (!diff->param || r > diff->max_rel || !fitted) {
            diff->param = fresh->model->defs[i].name;
            diff->committed = c->v[i];
            diff->fresh = fresh->v[i];
            diff->max_rel = fmax(diff->max_rel, r);
        }
        if (!fitted) {
            diff->unfitted = 1;
            diff->same = 0;
            break;
        }
    }
    if (diff->max_rel > ACC_CALIB_REL_TOL)
        diff->same = 0;
    acc_params_free(c);
    return BASE_OK;
}
