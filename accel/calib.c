/* calib.c - evaluates a model's calibration targets and fits its free parameters to its
 * paper's headline ratios with GSL's nonlinear least squares (gsl_multifit_nlinear, trust
 * region + Levenberg-Marquardt). Writing and checking calibrated files: calib_file.c.
 * The ratios come out of the per-layer models; nothing here knows a headline's value. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "accel/accel_impl.h"

size_t acc_params_n_targets(const acc_params *p)
{
    return p->n_targets;
}

base_status acc_target_info(const acc_params *p, size_t i, const char **name, acc_metric *metric,
                            double *lo, double *hi, size_t *n_workloads)
{
    if (i >= p->n_targets)
        return BASE_ERROR(BASE_ERANGE, "%s has %zu targets, no target %zu", p->model->name,
                          p->n_targets, i);
    const acc_target *t = &p->targets[i];
    if (name)
        *name = t->name;
    if (metric)
        *metric = t->metric;
    if (lo)
        *lo = t->lo;
    if (hi)
        *hi = t->hi;
    if (n_workloads)
        *n_workloads = t->n_workloads;
    return BASE_OK;
}

/* Every workload of every target, loaded once, and a scratch copy of the largest. */
typedef struct calib_ctx {
    const acc_model *m;
    acc_params *p;
    acc_workload ***ws; /* ws[target][workload] */
    acc_layer *scratch;
    size_t n_scratch;
    base_status status; /* first failure inside the GSL callback */
} calib_ctx;

static void ctx_fini(calib_ctx *c)
{
    if (c->ws)
        for (size_t t = 0; t < c->p->n_targets; t++) {
            if (c->ws[t])
                for (size_t w = 0; w < c->p->targets[t].n_workloads; w++)
                    acc_workload_free(c->ws[t][w]);
            base_free(c->ws[t]);
        }
    base_free(c->ws);
    base_free(c->scratch);
}

static base_status load_one(calib_ctx *c, size_t t, size_t w, const char *dir)
{
    const char *name = c->p->targets[t].workloads[w];
    size_t len = strlen(dir) + strlen(name) + 8;
    char *path = base_malloc(len);
    if (!path)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading workload %s", name);
    snprintf(path, len, "%s/%s.yaml", dir, name);
    base_status st = acc_workload_load(path, &c->ws[t][w]);
    base_free(path);
    if (st != BASE_OK)
        return st;
    size_t n;
    acc_workload_layers(c->ws[t][w], &n);
    if (n > c->n_scratch)
        c->n_scratch = n;
    return BASE_OK;
}

/* Loads the workloads of targets [first, last). */
static base_status ctx_init(calib_ctx *c, const acc_model *m, acc_params *p, const char *dir,
                            size_t first, size_t last)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->p = p;
    if (!m || !p || !dir)
        return BASE_ERROR(BASE_EINVAL, "calibration: model, parameters and workload dir required");
    if (p->model != m)
        return BASE_ERROR(BASE_EINVAL, "parameters for '%s' used with model '%s'", p->model->name,
                          m->name);
    c->ws = base_calloc(p->n_targets + 1, sizeof *c->ws);
    if (!c->ws)
        return BASE_ERROR(BASE_ENOMEM, "out of memory in calibration");
    for (size_t t = first; t < last; t++) {
        c->ws[t] = base_calloc(p->targets[t].n_workloads, sizeof *c->ws[t]);
        if (!c->ws[t])
            return BASE_ERROR(BASE_ENOMEM, "out of memory in calibration");
        for (size_t w = 0; w < p->targets[t].n_workloads; w++) {
            base_status st = load_one(c, t, w, dir);
            if (st != BASE_OK)
                return st;
        }
    }
    c->scratch = base_calloc(c->n_scratch + 1, sizeof *c->scratch);
    return c->scratch ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory in calibration");
}

/* Mean ratio (baseline / design) of target t over its workloads. */
static base_status eval_target(calib_ctx *c, size_t t, double *mean, double *per)
{
    const acc_target *tg = &c->p->targets[t];
    const char *baseline = c->m->baselines[tg->baseline];
    char *saved = c->p->network;
    double sum = 0;
    base_status st = BASE_OK;
    for (size_t w = 0; w < tg->n_workloads && st == BASE_OK; w++) {
        size_t n;
        const acc_layer *layers = acc_workload_layers(c->ws[t][w], &n);
        memcpy(c->scratch, layers, n * sizeof *layers);
        if (tg->a_bits)
            for (size_t i = 0; i < n; i++) {
                c->scratch[i].a_bits = tg->a_bits;
                c->scratch[i].w_bits = tg->w_bits;
            }
        /* The workload's name selects per-network settings (Ax-BxP's configuration). */
        c->p->network = (char *)acc_workload_name(c->ws[t][w]);
        acc_cost design, base;
        st = acc_network_cost(c->m, c->p, c->scratch, n, &design);
        if (st == BASE_OK)
            st = acc_network_baseline_cost(c->m, c->p, baseline, c->scratch, n, &base);
        if (st == BASE_OK) {
            double r = tg->metric == ACC_SPEEDUP ? base.latency_ns / design.latency_ns
                                                 : base.energy_pj / design.energy_pj;
            if (per)
                per[w] = r;
            sum += r;
        }
    }
    c->p->network = saved;
    if (st == BASE_OK)
        *mean = sum / (double)tg->n_workloads;
    return st;
}

base_status acc_target_eval(const acc_model *m, acc_params *p, size_t i, const char *workload_dir,
                            double *mean, double *per_workload)
{
    if (p && i >= p->n_targets)
        return acc_target_info(p, i, NULL, NULL, NULL, NULL, NULL);
    calib_ctx c;
    base_status st = ctx_init(&c, m, p, workload_dir, i, i + 1);
    if (st == BASE_OK)
        st = eval_target(&c, i, mean, per_workload);
    ctx_fini(&c);
    return st;
}

/* Writes the free parameters from x (log space), clamped to their ranges. */
static void set_free(acc_params *p, const gsl_vector *x)
{
    for (size_t j = 0; j < p->n_free; j++) {
        const acc_param_def *d = &p->model->defs[p->free_idx[j]];
        double v = exp(gsl_vector_get(x, j));
        p->v[p->free_idx[j]] = v < d->min ? d->min : v > d->max ? d->max : v;
    }
}

static double target_mid(const acc_target *t)
{
    return 0.5 * (t->lo + t->hi);
}

static int resid_f(const gsl_vector *x, void *data, gsl_vector *f)
{
    calib_ctx *c = data;
    set_free(c->p, x);
    for (size_t t = 0; t < c->p->n_targets; t++) {
        double mean = 0;
        base_status st = eval_target(c, t, &mean, NULL);
        if (st != BASE_OK) {
            if (c->status == BASE_OK)
                c->status = st;
            return GSL_EFAILED;
        }
        gsl_vector_set(f, t, mean / target_mid(&c->p->targets[t]) - 1.0);
    }
    return GSL_SUCCESS;
}

void acc_fit_free(acc_fit *fit)
{
    if (!fit)
        return;
    base_free(fit->model_ratio);
    base_free(fit->paper_ratio);
    base_free(fit);
}

double acc_fit_residual(const acc_fit *fit)
{
    return fit->residual;
}
size_t acc_fit_n_iter(const acc_fit *fit)
{
    return fit->n_iter;
}

/* Fills the per-target ratios and the residual norm at the current parameters. */
static base_status fit_summary(calib_ctx *c, acc_fit *fit)
{
    double sq = 0;
    for (size_t t = 0; t < c->p->n_targets; t++) {
        base_status st = eval_target(c, t, &fit->model_ratio[t], NULL);
        if (st != BASE_OK)
            return st;
        fit->paper_ratio[t] = target_mid(&c->p->targets[t]);
        double r = fit->model_ratio[t] / fit->paper_ratio[t] - 1.0;
        sq += r * r;
    }
    fit->residual = sqrt(sq);
    return BASE_OK;
}

static base_status run_gsl(calib_ctx *c, acc_fit *fit)
{
    acc_params *p = c->p;
    size_t n = p->n_targets, k = p->n_free;
    gsl_multifit_nlinear_fdf fdf;
    memset(&fdf, 0, sizeof fdf);
    fdf.f = resid_f;
    fdf.n = n;
    fdf.p = k;
    fdf.params = c;
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, k);
    gsl_vector *x = gsl_vector_alloc(k);
    base_status st = BASE_OK;
    if (!w || !x) {
        st = BASE_ERROR(BASE_ENOMEM, "out of memory in calibration");
        goto free_gsl;
    }
    for (size_t j = 0; j < k; j++) {
        double v = p->v[p->free_idx[j]];
        if (!(v > 0)) {
            st = BASE_ERROR(BASE_EINVAL, "free parameter '%s' must start positive (fit in log)",
                            p->model->defs[p->free_idx[j]].name);
            goto free_gsl;
        }
        gsl_vector_set(x, j, log(v));
    }
    int info = 0;
    int gs = gsl_multifit_nlinear_init(x, &fdf, w);
    if (gs == GSL_SUCCESS)
        gs = gsl_multifit_nlinear_driver(200, 1e-12, 1e-12, 0.0, NULL, NULL, &info, w);
    if (c->status != BASE_OK) {
        st = c->status;
        goto free_gsl;
    }
    /* GSL_EMAXITER or a stalled step still leave the best point found: report it with its
     * residual rather than failing, so a headline that cannot be reached is visible. */
    if (gs != GSL_SUCCESS && gs != GSL_EMAXITER && gs != GSL_ENOPROG) {
        st = BASE_ERROR(BASE_EINVAL, "calibration of %s failed: %s", p->model->name,
                        gsl_strerror(gs));
        goto free_gsl;
    }
    set_free(p, gsl_multifit_nlinear_position(w));
    fit->n_iter = gsl_multifit_nlinear_niter(w);
free_gsl:
    gsl_vector_free(x);
    if (w)
        gsl_multifit_nlinear_free(w);
    return st;
}

base_status acc_calibrate(const acc_model *m, acc_params *p, const char *workload_dir,
                          acc_fit **out)
{
    *out = NULL;
    if (p && p->n_targets == 0)
        return BASE_ERROR(BASE_EINVAL, "%s: the parameter file has no calibration targets",
                          p->path);
    calib_ctx c;
    base_status st = ctx_init(&c, m, p, workload_dir, 0, p ? p->n_targets : 0);
    acc_fit *fit = NULL;
    if (st == BASE_OK && !(fit = base_calloc(1, sizeof *fit)))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory in calibration");
    if (st == BASE_OK) {
        fit->n_targets = p->n_targets;
        fit->model_ratio = base_calloc(p->n_targets, sizeof *fit->model_ratio);
        fit->paper_ratio = base_calloc(p->n_targets, sizeof *fit->paper_ratio);
        if (!fit->model_ratio || !fit->paper_ratio)
            st = BASE_ERROR(BASE_ENOMEM, "out of memory in calibration");
    }
    if (st == BASE_OK && p->n_free > 0) {
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        st = run_gsl(&c, fit);
        gsl_set_error_handler(old);
    }
    if (st == BASE_OK)
        st = fit_summary(&c, fit);
    ctx_fini(&c);
    if (st != BASE_OK) {
        acc_fit_free(fit);
        return st;
    }
    *out = fit;
    return BASE_OK;
}
