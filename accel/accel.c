/* accel.c - the accelerator table, layer descriptors, strict parameter and workload loading,
 * and per-network sums. The per-design equations live in sparq.c, potacc.c, bitsys.c and
 * axbxp.c; the GSL calibration in calib.c. Facts: docs/REFERENCE section 5. */
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

static int baseline_index(const acc_model *m, const char *name)
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

/* ---- Parameters --------------------------------------------------------------------------- */

static void targets_free(acc_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        base_free(t[i].name);
        for (size_t j = 0; j < t[i].n_workloads; j++)
            base_free(t[i].workloads[j]);
        base_free(t[i].workloads);
    }
    base_free(t);
}

void acc_params_free(acc_params *p)
{
    if (!p)
        return;
    if (p->src)
        for (size_t i = 0; i < p->model->n_defs; i++)
            base_free(p->src[i]);
    base_free(p->src);
    base_free(p->v);
    base_free(p->path);
    base_free(p->free_idx);
    targets_free(p->targets, p->n_targets);
    if (p->ext && p->model->ext_free)
        p->model->ext_free(p->ext);
    base_free(p->network);
    base_free(p);
}

static long def_index(const acc_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_defs; i++)
        if (strcmp(m->defs[i].name, name) == 0)
            return (long)i;
    return -1;
}

static base_status nomem(const char *what)
{
    return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", what);
}

/* Reads `name: {value: x, source: "..."}` into slot i. */
static base_status load_value(acc_params *p, size_t i, const cfg_node *entry)
{
    static const char *const keys[] = {"value", "source", NULL};
    const acc_param_def *d = &p->model->defs[i];
    base_status st = cfg_map_check(entry, d->name, keys);
    const cfg_node *vn = NULL, *sn = NULL;
    if (st == BASE_OK)
        st = cfg_map_require(entry, "value", d->name, &vn);
    if (st == BASE_OK)
        st = cfg_map_require(entry, "source", d->name, &sn);
    double v = 0;
    const char *s = NULL;
    if (st == BASE_OK)
        st = cfg_to_double(vn, d->min, d->max, &v);
    if (st == BASE_OK)
        st = cfg_to_str(sn, &s);
    if (st != BASE_OK)
        return st;
    if (s[0] == '\0')
        return cfg_error(sn, BASE_EINVAL, "empty source for '%s': give the paper, repo or [est]",
                         d->name);
    char *copy = base_strdup(s);
    if (!copy)
        return nomem(cfg_node_file(entry));
    base_free(p->src[i]);
    p->src[i] = copy;
    p->v[i] = v;
    return BASE_OK;
}

static base_status load_param_map(acc_params *p, const cfg_node *params, int require_all)
{
    base_status st = cfg_expect(params, CFG_MAP, "params");
    if (st != BASE_OK)
        return st;
    for (size_t i = 0; i < cfg_node_len(params); i++) {
        const cfg_node *k = cfg_map_key_at(params, i);
        long idx = def_index(p->model, cfg_node_text(k));
        if (idx < 0)
            return cfg_error(k, BASE_EKEY, "unknown parameter '%s' for %s", cfg_node_text(k),
                             p->model->name);
        st = load_value(p, (size_t)idx, cfg_map_value_at(params, i));
        if (st != BASE_OK)
            return st;
    }
    if (require_all)
        for (size_t i = 0; i < p->model->n_defs; i++)
            if (!cfg_map_get(params, p->model->defs[i].name))
                return cfg_error(params, BASE_EKEY, "missing parameter '%s' in 'params'",
                                 p->model->defs[i].name);
    return BASE_OK;
}

static base_status load_strings(const cfg_node *seq, const char *what, char ***out, size_t *n)
{
    base_status st = cfg_expect(seq, CFG_SEQ, what);
    if (st != BASE_OK)
        return st;
    size_t len = cfg_node_len(seq);
    if (len == 0)
        return cfg_error(seq, BASE_EINVAL, "'%s' must not be empty", what);
    char **v = base_calloc(len, sizeof *v);
    if (!v)
        return nomem(cfg_node_file(seq));
    *out = v;
    for (size_t i = 0; i < len; i++) {
        const char *s;
        st = cfg_to_str(cfg_seq_at(seq, i), &s);
        if (st != BASE_OK)
            return st;
        v[i] = base_strdup(s);
        if (!v[i])
            return nomem(cfg_node_file(seq));
        *n = i + 1;
    }
    return BASE_OK;
}

static base_status load_target(acc_params *p, acc_target *t, const cfg_node *node)
{
    static const char *const keys[] = {"name",  "baseline", "metric", "workloads", "bits",
                                       "ratio", "range",    "source", NULL};
    base_status st = cfg_map_check(node, "target", keys);
    const cfg_node *n;
    const char *s;
    if (st == BASE_OK)
        st = cfg_map_require(node, "name", "target", &n);
    if (st == BASE_OK)
        st = cfg_to_str(n, &s);
    if (st != BASE_OK)
        return st;
    if (!(t->name = base_strdup(s)))
        return nomem(cfg_node_file(node));
    if ((st = cfg_map_require(node, "source", "target", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &s)) != BASE_OK)
        return st;
    if (!*s)
        return cfg_error(n, BASE_EINVAL, "target '%s': empty source", t->name);
    if ((st = cfg_map_require(node, "baseline", "target", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &s)) != BASE_OK)
        return st;
    t->baseline = baseline_index(p->model, s);
    if (t->baseline < 0)
        return cfg_error(n, BASE_ENOTFOUND, "unknown baseline '%s' for %s", s, p->model->name);
    if ((st = cfg_map_require(node, "metric", "target", &n)) != BASE_OK ||
        (st = cfg_to_str(n, &s)) != BASE_OK)
        return st;
    if (strcmp(s, "speedup") == 0)
        t->metric = ACC_SPEEDUP;
    else if (strcmp(s, "energy") == 0)
        t->metric = ACC_ENERGY_RATIO;
    else
        return cfg_error(n, BASE_EINVAL, "metric must be 'speedup' or 'energy', found '%s'", s);
    if ((st = cfg_map_require(node, "workloads", "target", &n)) != BASE_OK ||
        (st = load_strings(n, "workloads", &t->workloads, &t->n_workloads)) != BASE_OK)
        return st;
    const cfg_node *bits = cfg_map_get(node, "bits");
    if (bits) {
        long a = 0, w = 0;
        if ((st = cfg_expect(bits, CFG_SEQ, "bits")) != BASE_OK)
            return st;
        if (cfg_node_len(bits) != 2)
            return cfg_error(bits, BASE_EINVAL, "'bits' must be [a_bits, w_bits]");
        if ((st = cfg_to_long(cfg_seq_at(bits, 0), 1, 16, &a)) != BASE_OK ||
            (st = cfg_to_long(cfg_seq_at(bits, 1), 1, 16, &w)) != BASE_OK)
            return st;
        t->a_bits = (unsigned)a;
        t->w_bits = (unsigned)w;
    }
    const cfg_node *ratio = cfg_map_get(node, "ratio"), *range = cfg_map_get(node, "range");
    if ((ratio != NULL) == (range != NULL))
        return cfg_error(node, BASE_EKEY, "target '%s' needs exactly one of 'ratio' and 'range'",
                         t->name);
    if (ratio) {
        if ((st = cfg_to_double(ratio, 1e-3, 1e3, &t->lo)) != BASE_OK)
            return st;
        t->hi = t->lo;
        return BASE_OK;
    }
    if ((st = cfg_expect(range, CFG_SEQ, "range")) != BASE_OK)
        return st;
    if (cfg_node_len(range) != 2)
        return cfg_error(range, BASE_EINVAL, "'range' must be [lo, hi]");
    if ((st = cfg_to_double(cfg_seq_at(range, 0), 1e-3, 1e3, &t->lo)) != BASE_OK ||
        (st = cfg_to_double(cfg_seq_at(range, 1), 1e-3, 1e3, &t->hi)) != BASE_OK)
        return st;
    if (t->hi < t->lo)
        return cfg_error(range, BASE_ERANGE, "range [%g, %g] is reversed", t->lo, t->hi);
    return BASE_OK;
}

static base_status load_calibration(acc_params *p, const cfg_node *cal)
{
    static const char *const keys[] = {"free", "targets", NULL};
    base_status st = cfg_map_check(cal, "calibration", keys);
    const cfg_node *fr = cfg_map_get(cal, "free"), *tg = NULL;
    if (st == BASE_OK)
        st = cfg_map_require(cal, "targets", "calibration", &tg);
    if (st == BASE_OK)
        st = cfg_expect(tg, CFG_SEQ, "targets");
    if (st != BASE_OK)
        return st;
    if (fr) {
        if ((st = cfg_expect(fr, CFG_SEQ, "free")) != BASE_OK)
            return st;
        size_t nf = cfg_node_len(fr);
        p->free_idx = base_calloc(nf + 1, sizeof *p->free_idx);
        if (!p->free_idx)
            return nomem(cfg_node_file(cal));
        for (size_t i = 0; i < nf; i++) {
            const cfg_node *item = cfg_seq_at(fr, i);
            const char *s;
            if ((st = cfg_to_str(item, &s)) != BASE_OK)
                return st;
            long idx = def_index(p->model, s);
            if (idx < 0)
                return cfg_error(item, BASE_EKEY, "unknown free parameter '%s'", s);
            for (size_t j = 0; j < p->n_free; j++)
                if (p->free_idx[j] == (size_t)idx)
                    return cfg_error(item, BASE_EKEY, "free parameter '%s' listed twice", s);
            p->free_idx[p->n_free++] = (size_t)idx;
        }
    }
    size_t nt = cfg_node_len(tg);
    p->targets = base_calloc(nt + 1, sizeof *p->targets);
    if (!p->targets)
        return nomem(cfg_node_file(cal));
    for (size_t i = 0; i < nt; i++) {
        p->n_targets = i + 1;
        if ((st = load_target(p, &p->targets[i], cfg_seq_at(tg, i))) != BASE_OK)
            return st;
    }
    if (p->n_free > p->n_targets)
        return cfg_error(cal, BASE_EINVAL, "%zu free parameters but only %zu targets", p->n_free,
                         p->n_targets);
    return BASE_OK;
}

static base_status check_model_key(const acc_model *m, const cfg_node *root)
{
    const cfg_node *n;
    const char *s;
    base_status st = cfg_map_require(root, "model", "parameter file", &n);
    if (st == BASE_OK)
        st = cfg_to_str(n, &s);
    if (st == BASE_OK && strcmp(s, m->name) != 0)
        st = cfg_error(n, BASE_EINVAL, "file is for model '%s', not '%s'", s, m->name);
    if (st == BASE_OK)
        st = cfg_map_require(root, "provenance", "parameter file", &n);
    if (st == BASE_OK)
        st = cfg_to_str(n, &s);
    return st;
}

static base_status load_base(acc_params *p, const cfg_node *root)
{
    const acc_model *m = p->model;
    const char *keys[8] = {"model", "provenance", "params", "calibration", NULL, NULL};
    keys[4] = m->ext_key;
    base_status st = cfg_map_check(root, "parameter file", (const char *const *)keys);
    const cfg_node *params = NULL;
    if (st == BASE_OK)
        st = check_model_key(m, root);
    if (st == BASE_OK)
        st = cfg_map_require(root, "params", "parameter file", &params);
    if (st == BASE_OK)
        st = load_param_map(p, params, 1);
    const cfg_node *cal = cfg_map_get(root, "calibration");
    if (st == BASE_OK && cal)
        st = load_calibration(p, cal);
    if (st == BASE_OK && m->ext_key) {
        const cfg_node *ext = NULL;
        st = cfg_map_require(root, m->ext_key, "parameter file", &ext);
        if (st == BASE_OK)
            st = m->ext_load(p, ext);
    }
    return st;
}

/* Joins the directory of `from` and a relative path (absolute paths are kept). */
static char *path_relative_to(const char *from, const char *rel)
{
    if (rel[0] == '/')
        return base_strdup(rel);
    const char *slash = strrchr(from, '/');
    size_t dir = slash ? (size_t)(slash - from) + 1 : 0;
    size_t len = dir + strlen(rel) + 1;
    char *s = base_malloc(len);
    if (!s)
        return NULL;
    memcpy(s, from, dir);
    memcpy(s + dir, rel, strlen(rel) + 1);
    return s;
}

static base_status load_file(acc_params *p, const char *path, int depth);

/* A calibrated file: loads its base, then applies the fitted values. */
/* The fit record of a calibrated file: n_iter and targets ({name, paper, model} rows) are
 * required and typed; they document the fit and are not applied. */
static base_status check_fit_record(const cfg_node *fit)
{
    static const char *const row_keys[] = {"name", "paper", "model", NULL};
    const cfg_node *n, *targets = NULL;
    long n_iter;
    base_status st = cfg_map_require(fit, "n_iter", "fit", &n);
    if (st == BASE_OK)
        st = cfg_to_long(n, 0, 1000000000L, &n_iter);
    if (st == BASE_OK)
        st = cfg_map_require(fit, "targets", "fit", &targets);
    if (st == BASE_OK)
        st = cfg_expect(targets, CFG_SEQ, "targets");
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(targets); i++) {
        const cfg_node *row = cfg_seq_at(targets, i);
        const char *name;
        double r;
        if ((st = cfg_expect(row, CFG_MAP, "fit target")) != BASE_OK ||
            (st = cfg_map_check(row, "fit target", row_keys)) != BASE_OK ||
            (st = cfg_map_require(row, "name", "fit target", &n)) != BASE_OK ||
            (st = cfg_to_str(n, &name)) != BASE_OK)
            break;
        for (size_t k = 1; st == BASE_OK && row_keys[k]; k++)
            if ((st = cfg_map_require(row, row_keys[k], "fit target", &n)) == BASE_OK)
                st = cfg_to_double(n, 0, 1e9, &r);
    }
    return st;
}

static base_status load_calibrated(acc_params *p, const cfg_node *root, int depth)
{
    static const char *const keys[] = {"model", "provenance", "base", "fitted", "fit", NULL};
    base_status st = cfg_map_check(root, "calibrated file", keys);
    const cfg_node *base = NULL, *fitted = NULL, *fit = NULL;
    const char *s = NULL;
    if (st == BASE_OK)
        st = check_model_key(p->model, root);
    if (st == BASE_OK)
        st = cfg_map_require(root, "base", "calibrated file", &base);
    if (st == BASE_OK)
        st = cfg_to_str(base, &s);
    if (st == BASE_OK)
        st = cfg_map_require(root, "fitted", "calibrated file", &fitted);
    if (st == BASE_OK)
        st = cfg_map_require(root, "fit", "calibrated file", &fit);
    if (st != BASE_OK)
        return st;
    if (depth > 0)
        return cfg_error(base, BASE_EINVAL, "a calibrated file's base must be a parameter file");
    static const char *const fit_keys[] = {"residual", "n_iter", "targets", NULL};
    double res = 0;
    if ((st = cfg_map_check(fit, "fit", fit_keys)) != BASE_OK ||
        (st = cfg_get_double(fit, "residual", 0, 1e9, &res)) != BASE_OK)
        return st;
    char *base_path = path_relative_to(cfg_node_file(root), s);
    if (!base_path)
        return nomem(cfg_node_file(root));
    st = load_file(p, base_path, depth + 1);
    base_free(base_path);
    if (st != BASE_OK || (st = load_param_map(p, fitted, 0)) != BASE_OK)
        return st;
    return check_fit_record(fit);
}

static base_status load_file(acc_params *p, const char *path, int depth)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(path, &doc);
    if (st != BASE_OK)
        return st;
    const cfg_node *root = cfg_doc_root(doc);
    if (cfg_map_get(root, "base"))
        st = load_calibrated(p, root, depth);
    else
        st = load_base(p, root);
    cfg_doc_free(doc);
    return st;
}

base_status acc_params_load(const acc_model *m, const char *yaml_path, acc_params **out)
{
    *out = NULL;
    if (!m || !yaml_path)
        return BASE_ERROR(BASE_EINVAL, "acc_params_load: model and path are required");
    acc_params *p = base_calloc(1, sizeof *p);
    if (!p)
        return nomem(yaml_path);
    p->model = m;
    p->v = base_calloc(m->n_defs, sizeof *p->v);
    p->src = base_calloc(m->n_defs, sizeof *p->src);
    p->path = base_strdup(yaml_path);
    if (!p->v || !p->src || !p->path) {
        acc_params_free(p);
        return nomem(yaml_path);
    }
    base_status st = load_file(p, yaml_path, 0);
    if (st != BASE_OK) {
        acc_params_free(p);
        return st;
    }
    *out = p;
    return BASE_OK;
}

base_status acc_params_get(const acc_params *p, const char *name, double *value,
                           const char **source)
{
    long i = def_index(p->model, name);
    if (i < 0)
        return BASE_ERROR(BASE_ENOTFOUND, "%s has no parameter '%s'", p->model->name, name);
    if (value)
        *value = p->v[i];
    if (source)
        *source = p->src[i];
    return BASE_OK;
}

base_status acc_params_set(acc_params *p, const char *name, double value)
{
    long i = def_index(p->model, name);
    if (i < 0)
        return BASE_ERROR(BASE_ENOTFOUND, "%s has no parameter '%s'", p->model->name, name);
    const acc_param_def *d = &p->model->defs[i];
    for (size_t j = 0; p->model->load_only && p->model->load_only[j]; j++)
        if (strcmp(p->model->load_only[j], name) == 0)
            return BASE_ERROR(BASE_EINVAL,
                              "%s.%s shapes the model's configs and can only be set in its "
                              "parameter file",
                              p->model->name, name);
    if (!(value >= d->min && value <= d->max))
        return BASE_ERROR(BASE_ERANGE, "%s.%s = %g is outside %g..%g", p->model->name, name, value,
                          d->min, d->max);
    char *s = base_strdup("set by caller");
    if (!s)
        return BASE_ERROR(BASE_ENOMEM, "out of memory setting %s", name);
    base_free(p->src[i]);
    p->src[i] = s;
    p->v[i] = value;
    return BASE_OK;
}

base_status acc_params_select_network(acc_params *p, const char *network)
{
    char *s = NULL;
    if (network && !(s = base_strdup(network)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory selecting network");
    base_free(p->network);
    p->network = s;
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
    int b = baseline ? baseline_index(m, baseline) : -1;
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

/* ---- Workloads ---------------------------------------------------------------------------- */

struct acc_workload {
    char *name;
    acc_layer *layers;
    char **names;
    size_t n;
};

void acc_workload_free(acc_workload *w)
{
    if (!w)
        return;
    if (w->names)
        for (size_t i = 0; i < w->n; i++)
            base_free(w->names[i]);
    base_free(w->names);
    base_free(w->layers);
    base_free(w->name);
    base_free(w);
}

const char *acc_workload_name(const acc_workload *w)
{
    return w->name;
}

const acc_layer *acc_workload_layers(const acc_workload *w, size_t *n)
{
    *n = w->n;
    return w->layers;
}

/* A layer row: {name: x, conv: [c_in, h, w, c_out, k, stride, pad, groups]} or
 * {name: x, fc: [n_in, n_out]}, with a_bits and w_bits unless the workload gives them (0 in
 * a_bits or w_bits here: it does not). Names are unique within the workload. */
static base_status load_layer(acc_workload *w, size_t i, const cfg_node *row, long batch,
                              long a_bits, long w_bits)
{
    static const char *const keys[] = {"name", "conv", "fc", "a_bits", "w_bits", NULL};
    base_status st = cfg_map_check(row, "layer", keys);
    const cfg_node *nn = NULL;
    const char *name;
    if (st == BASE_OK)
        st = cfg_map_require(row, "name", "layer", &nn);
    if (st == BASE_OK)
        st = cfg_to_str(nn, &name);
    if (st == BASE_OK)
        st = cfg_get_long(row, "a_bits", 1, 16, &a_bits);
    if (st == BASE_OK)
        st = cfg_get_long(row, "w_bits", 1, 16, &w_bits);
    if (st != BASE_OK)
        return st;
    if (a_bits == 0 || w_bits == 0)
        return cfg_error(row, BASE_EKEY,
                         "layer '%s' has no %s (give it on the layer or the workload)", name,
                         a_bits == 0 ? "a_bits" : "w_bits");
    for (size_t j = 0; j < i; j++)
        if (strcmp(w->names[j], name) == 0)
            return cfg_error(nn, BASE_EKEY, "duplicate layer name '%s' (layer %zu and %zu)", name,
                             j + 1, i + 1);
    if (!(w->names[i] = base_strdup(name)))
        return nomem(cfg_node_file(row));
    const cfg_node *conv = cfg_map_get(row, "conv"), *fc = cfg_map_get(row, "fc");
    if ((conv != NULL) == (fc != NULL))
        return cfg_error(row, BASE_EKEY, "layer '%s' needs exactly one of 'conv' and 'fc'", name);
    const cfg_node *shape = conv ? conv : fc;
    size_t want = conv ? 8 : 2;
    if ((st = cfg_expect(shape, CFG_SEQ, conv ? "conv" : "fc")) != BASE_OK)
        return st;
    if (cfg_node_len(shape) != want)
        return cfg_error(shape, BASE_EINVAL,
                         conv ? "'conv' must be [c_in, h, w, c_out, k, stride, pad, groups]"
                              : "'fc' must be [n_in, n_out]");
    long v[8];
    for (size_t j = 0; j < want; j++)
        if ((st = cfg_to_long(cfg_seq_at(shape, j), 0, 1L << 24, &v[j])) != BASE_OK)
            return st;
    if (conv)
        st = acc_layer_init_conv(&w->layers[i], w->names[i], (unsigned)batch, (int)v[0], (int)v[1],
                                 (int)v[2], (int)v[3], (int)v[4], (int)v[4], (int)v[5], (int)v[6],
                                 (int)v[7], (unsigned)a_bits, (unsigned)w_bits);
    else
        st = acc_layer_init_fc(&w->layers[i], w->names[i], (unsigned)batch, (int)v[0], (int)v[1],
                               (unsigned)a_bits, (unsigned)w_bits);
    if (st != BASE_OK)
        return cfg_error(shape, st, "%s", base_error_inner());
    return BASE_OK;
}

static base_status load_workload(acc_workload *w, const cfg_node *root)
{
    static const char *const keys[] = {"name",   "provenance", "batch", "a_bits",
                                       "w_bits", "layers",     NULL};
    base_status st = cfg_map_check(root, "workload", keys);
    const cfg_node *n = NULL, *layers = NULL;
    const char *s;
    long batch = 0, a_bits = 0, w_bits = 0;
    if (st == BASE_OK)
        st = cfg_map_require(root, "name", "workload", &n);
    if (st == BASE_OK)
        st = cfg_to_str(n, &s);
    if (st == BASE_OK && !(w->name = base_strdup(s)))
        st = nomem(cfg_node_file(root));
    if (st == BASE_OK)
        st = cfg_map_require(root, "provenance", "workload", &n);
    if (st == BASE_OK)
        st = cfg_to_str(n, &s);
    if (st == BASE_OK && !*s)
        st = cfg_error(n, BASE_EINVAL, "workload '%s': empty provenance", w->name);
    if (st == BASE_OK && (st = cfg_map_require(root, "batch", "workload", &n)) == BASE_OK)
        st = cfg_to_long(n, 1, 1 << 16, &batch);
    if (st == BASE_OK) /* 0: every layer must give its own */
        st = cfg_get_long(root, "a_bits", 1, 16, &a_bits);
    if (st == BASE_OK)
        st = cfg_get_long(root, "w_bits", 1, 16, &w_bits);
    if (st == BASE_OK)
        st = cfg_map_require(root, "layers", "workload", &layers);
    if (st == BASE_OK)
        st = cfg_expect(layers, CFG_SEQ, "layers");
    if (st != BASE_OK)
        return st;
    size_t len = cfg_node_len(layers);
    if (len == 0)
        return cfg_error(layers, BASE_EINVAL, "workload has no layers");
    w->layers = base_calloc(len, sizeof *w->layers);
    w->names = base_calloc(len, sizeof *w->names);
    if (!w->layers || !w->names)
        return nomem(cfg_node_file(root));
    w->n = len;
    for (size_t i = 0; i < len; i++)
        if ((st = load_layer(w, i, cfg_seq_at(layers, i), batch, a_bits, w_bits)) != BASE_OK)
            return st;
    return BASE_OK;
}

base_status acc_workload_load(const char *yaml_path, acc_workload **out)
{
    *out = NULL;
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(yaml_path, &doc);
    if (st != BASE_OK)
        return st;
    acc_workload *w = base_calloc(1, sizeof *w);
    if (!w) {
        cfg_doc_free(doc);
        return nomem(yaml_path);
    }
    st = load_workload(w, cfg_doc_root(doc));
    cfg_doc_free(doc);
    if (st != BASE_OK) {
        acc_workload_free(w);
        return st;
    }
    *out = w;
    return BASE_OK;
}
