/* accel.c - the accelerator table, layer descriptors and the cost pieces every model shares
 * (argument checks, the MAC count, mode switches and per-network sums). The per-design
 * equations live in sparq.c, potacc.c, bitsys.c and axbxp.c; parameter files in params.c,
 * workloads in workload.c, the GSL calibration in calib.c and calibrated files in
 * calib_file.c. Facts and their papers: docs/ACCEL.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "accel/accel_impl.h"

/* The model table: adding a model is one row here plus its file. */
static const acc_model *const models[] = {
    &acc_sparq_model,
    &acc_potacc_model,
    &acc_bitsys_model,
    &acc_axbxp_model,
};

double acc_ceil_div(double a, double b)
{
    return ceil(a / b);
}

base_status acc_nomem(const char *what)
{
    return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", what);
}

size_t acc_model_count(void)
{
    return sizeof models / sizeof models[0];
}

const acc_model *acc_model_at(size_t i)
{
    return i < acc_model_count() ? models[i] : NULL;
}

base_status acc_model_find(const char *name, const acc_model **out)
{
    *out = NULL;
    if (!name)
        return BASE_ERROR(BASE_EINVAL, "accelerator name is NULL");
    for (size_t i = 0; i < acc_model_count(); i++)
        if (strcmp(models[i]->name, name) == 0) {
            *out = models[i];
            return BASE_OK;
        }
    char known[128] = "";
    for (size_t i = 0; i < acc_model_count(); i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", models[i]->name);
    }
    return BASE_ERROR(BASE_ENOTFOUND, "unknown accelerator '%s' (known: %s)", name, known);
}

const char *acc_model_name(const acc_model *m)
{
    return m->name;
}
const char *acc_model_title(const acc_model *m)
{
    return m->title;
}

size_t acc_model_n_baselines(const acc_model *m)
{
    size_t n = 0;
    while (m->baselines[n])
        n++;
    return n;
}

const char *acc_model_baseline(const acc_model *m, size_t i)
{
    return i < acc_model_n_baselines(m) ? m->baselines[i] : NULL;
}

int acc_baseline_index(const acc_model *m, const char *name)
{
    for (size_t i = 0; m->baselines[i]; i++)
        if (strcmp(m->baselines[i], name) == 0)
            return (int)i;
    return -1;
}

/* ---- Layers ----------------------------------------------------------------------------- */

const char *acc_layer_name(const acc_layer *l)
{
    return l->name ? l->name : "(unnamed)";
}

#define lname acc_layer_name

/* GEMM rows and depth of a convolution (im2col): M = batch x output pixels, K = input
 * channels per group x kernel area. */
static void conv_gemm(const acc_layer *l, uint64_t *m, uint64_t *k)
{
    *m = (uint64_t)l->batch * (uint64_t)l->h_out * (uint64_t)l->w_out;
    *k = (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw;
}

static base_status check_bits(const acc_layer *l)
{
    if (l->a_bits < 1 || l->a_bits > 16 || l->w_bits < 1 || l->w_bits > 16)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': bits A%uW%u outside 1..16", lname(l), l->a_bits,
                          l->w_bits);
    if (l->batch < 1)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': batch must be at least 1", lname(l));
    return BASE_OK;
}

base_status acc_layer_init_conv(acc_layer *l, const char *name, unsigned batch, int c_in, int h_in,
                                int w_in, int c_out, int kh, int kw, int stride, int pad,
                                int groups, unsigned a_bits, unsigned w_bits)
{
    memset(l, 0, sizeof *l);
    l->name = name;
    l->is_conv = 1;
    l->batch = batch;
    l->c_in = c_in;
    l->h_in = h_in;
    l->w_in = w_in;
    l->c_out = c_out;
    l->kh = kh;
    l->kw = kw;
    l->stride = stride;
    l->pad = pad;
    l->groups = groups;
    l->a_bits = a_bits;
    l->w_bits = w_bits;
    if (c_in < 1 || h_in < 1 || w_in < 1 || c_out < 1 || kh < 1 || kw < 1 || stride < 1 ||
        groups < 1 || pad < 0)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': sizes must be positive (pad >= 0)", lname(l));
    if (kh > h_in + 2 * pad || kw > w_in + 2 * pad)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': %dx%d kernel larger than the padded input",
                          lname(l), kh, kw);
    l->h_out = (h_in + 2 * pad - kh) / stride + 1;
    l->w_out = (w_in + 2 * pad - kw) / stride + 1;
    if (c_in % groups != 0 || c_out % groups != 0)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': groups %d must divide %d and %d", lname(l),
                          groups, c_in, c_out);
    conv_gemm(l, &l->m, &l->k);
    l->n = (uint64_t)c_out;
    return check_bits(l);
}

base_status acc_layer_init_fc(acc_layer *l, const char *name, unsigned batch, int n_in, int n_out,
                              unsigned a_bits, unsigned w_bits)
{
    memset(l, 0, sizeof *l);
    l->name = name;
    l->batch = batch;
    l->c_in = n_in;
    l->c_out = n_out;
    l->h_in = l->w_in = l->h_out = l->w_out = l->kh = l->kw = l->stride = l->groups = 1;
    l->a_bits = a_bits;
    l->w_bits = w_bits;
    if (n_in < 1 || n_out < 1)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': sizes must be positive", lname(l));
    l->m = batch;
    l->n = (uint64_t)n_out;
    l->k = (uint64_t)n_in;
    return check_bits(l);
}

base_status acc_layer_check(const acc_layer *l)
{
    if (!l)
        return BASE_ERROR(BASE_EINVAL, "layer is NULL");
    base_status st = check_bits(l);
    if (st != BASE_OK)
        return st;
    if (l->c_in < 1 || l->c_out < 1 || l->m < 1 || l->n < 1 || l->k < 1)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': sizes must be positive", lname(l));
    if (!l->is_conv) {
        if (l->m != l->batch || l->n != (uint64_t)l->c_out || l->k != (uint64_t)l->c_in)
            return BASE_ERROR(BASE_ESHAPE,
                              "layer '%s': GEMM view %llux%llux%llu disagrees with "
                              "FC %d->%d, batch %u",
                              lname(l), (unsigned long long)l->m, (unsigned long long)l->n,
                              (unsigned long long)l->k, l->c_in, l->c_out, l->batch);
        return BASE_OK;
    }
    if (l->h_out < 1 || l->w_out < 1 || l->kh < 1 || l->kw < 1 || l->stride < 1 || l->groups < 1 ||
        l->c_in % l->groups != 0 || l->c_out % l->groups != 0)
        return BASE_ERROR(BASE_EINVAL, "layer '%s': bad convolution shape", lname(l));
    uint64_t m, k;
    conv_gemm(l, &m, &k);
    if (l->m != m || l->n != (uint64_t)l->c_out || l->k != k)
        return BASE_ERROR(BASE_ESHAPE,
                          "layer '%s': GEMM view %llux%llux%llu disagrees with the conv shape "
                          "(want %llux%dx%llu)",
                          lname(l), (unsigned long long)l->m, (unsigned long long)l->n,
                          (unsigned long long)l->k, (unsigned long long)m, l->c_out,
                          (unsigned long long)k);
    return BASE_OK;
}

/* ---- Costs -------------------------------------------------------------------------------- */

static base_status cost_common(const acc_model *m, const acc_params *p, const acc_layer *l,
                               acc_cost *out)
{
    if (!m || !p || !out)
        return BASE_ERROR(BASE_EINVAL, "accelerator cost: model, params and result are required");
    if (p->model != m)
        return BASE_ERROR(BASE_EINVAL, "parameters for '%s' used with model '%s'", p->model->name,
                          m->name);
    memset(out, 0, sizeof *out);
    return acc_layer_check(l);
}

/* The MAC count every model's cost starts from (the GEMM volume), set once here. */
static base_status layer_cost(const acc_params *p, const acc_layer *l, int baseline, acc_cost *out)
{
    out->n_macs = l->m * l->n * l->k;
    return p->model->cost(p, l, baseline, out);
}

base_status acc_layer_cost(const acc_model *m, const acc_params *p, const acc_layer *l,
                           acc_cost *out)
{
    base_status st = cost_common(m, p, l, out);
    return st != BASE_OK ? st : layer_cost(p, l, -1, out);
}

base_status acc_baseline_cost(const acc_model *m, const acc_params *p, const char *baseline,
                              const acc_layer *l, acc_cost *out)
{
    base_status st = cost_common(m, p, l, out);
    if (st != BASE_OK)
        return st;
    int b = baseline ? acc_baseline_index(m, baseline) : -1;
    if (b < 0)
        return BASE_ERROR(BASE_ENOTFOUND, "%s has no baseline '%s'", m->name,
                          baseline ? baseline : "(null)");
    return layer_cost(p, l, b, out);
}

base_status acc_mode_switch_cost(const acc_model *m, const acc_params *p, const acc_layer *from,
                                 const acc_layer *to, acc_cost *out)
{
    base_status st = cost_common(m, p, to, out);
    if (st != BASE_OK || !from)
        return st;
    if ((st = acc_layer_check(from)) != BASE_OK)
        return st;
    return m->mode_switch(p, from, to, out);
}

static void add_cost(acc_cost *t, const acc_cost *c)
{
    t->latency_ns += c->latency_ns;
    t->energy_pj += c->energy_pj;
    t->n_cycles += c->n_cycles;
    t->n_macs += c->n_macs;
    if (!t->path)
        t->path = c->path;
    else if (c->path && strcmp(t->path, c->path) != 0)
        t->path = "mixed";
}

static base_status network_sum(const acc_model *m, const acc_params *p, const char *baseline,
                               const acc_layer *layers, size_t n, acc_cost *total)
{
    if (!total)
        return BASE_ERROR(BASE_EINVAL, "network cost: result is required");
    memset(total, 0, sizeof *total);
    if (!layers || n == 0)
        return BASE_ERROR(BASE_EINVAL, "network cost: no layers");
    if (m && p && p->model == m && m->check_layers) {
        base_status st = m->check_layers(p, layers, n);
        if (st != BASE_OK)
            return st;
    }
    for (size_t i = 0; i < n; i++) {
        acc_cost c;
        base_status st = baseline ? acc_baseline_cost(m, p, baseline, &layers[i], &c)
                                  : acc_layer_cost(m, p, &layers[i], &c);
        if (st != BASE_OK)
            return st;
        add_cost(total, &c);
        if (!baseline && i > 0) {
            acc_cost sw;
            if ((st = acc_mode_switch_cost(m, p, &layers[i - 1], &layers[i], &sw)) != BASE_OK)
                return st;
            total->latency_ns += sw.latency_ns;
            total->energy_pj += sw.energy_pj;
            total->n_cycles += sw.n_cycles;
        }
    }
    return BASE_OK;
}

base_status acc_network_cost(const acc_model *m, const acc_params *p, const acc_layer *layers,
                             size_t n, acc_cost *total)
{
    return network_sum(m, p, NULL, layers, n, total);
}

base_status acc_network_baseline_cost(const acc_model *m, const acc_params *p, const char *baseline,
                                      const acc_layer *layers, size_t n, acc_cost *total)
{
    if (!baseline)
        return BASE_ERROR(BASE_ENOTFOUND, "%s has no baseline '(null)'", m ? m->name : "?");
    return network_sum(m, p, baseline, layers, n, total);
}
