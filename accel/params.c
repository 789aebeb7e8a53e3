/* params.c - strict loading of a model's parameter file (accel/<model>.yaml: values with
 * their sources, the calibration section) and of a calibrated file (accel/calibrated/<model>.yaml:
 * its base file, the fitted values and the fit record), and access to the loaded values.
 * Formats: docs/ACCEL.md. */
#include <stdio.h>
#include <string.h>

#include "accel/accel_impl.h"

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
        return acc_nomem(cfg_node_file(entry));
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
        return acc_nomem(cfg_node_file(seq));
    *out = v;
    for (size_t i = 0; i < len; i++) {
        const char *s;
        st = cfg_to_str(cfg_seq_at(seq, i), &s);
        if (st != BASE_OK)
            return st;
        v[i] = base_strdup(s);
        if (!v[i])
            return acc_nomem(cfg_node_file(seq));
        *n = i + 1;
    }
    return BASE_OK;
}

/* A target's optional `bits: [a_bits, w_bits]` (0 in both when absent). */
static base_status load_target_bits(acc_target *t, const cfg_node *node)
{
    const cfg_node *bits = cfg_map_get(node, "bits");
    if (!bits)
        return BASE_OK;
    long a = 0, w = 0;
    base_status st = cfg_expect(bits, CFG_SEQ, "bits");
    if (st != BASE_OK)
        return st;
    if (cfg_node_len(bits) != 2)
        return cfg_error(bits, BASE_EINVAL, "'bits' must be [a_bits, w_bits]");
    if ((st = cfg_to_long(cfg_seq_at(bits, 0), 1, 16, &a)) != BASE_OK ||
        (st = cfg_to_long(cfg_seq_at(bits, 1), 1, 16, &w)) != BASE_OK)
        return st;
    t->a_bits = (unsigned)a;
    t->w_bits = (unsigned)w;
    return BASE_OK;
}

/* A target's published figure: exactly one of `ratio: x` and `range: [lo, hi]`. */
static base_status load_target_ratio(acc_target *t, const cfg_node *node)
{
    const cfg_node *ratio = cfg_map_get(node, "ratio"), *range = cfg_map_get(node, "range");
    base_status st;
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

/* The string value of a required key of a target map. */
static base_status target_str(const cfg_node *node, const char *key, const cfg_node **n,
                              const char **s)
{
    base_status st = cfg_map_require(node, key, "target", n);
    return st != BASE_OK ? st : cfg_to_str(*n, s);
}

static base_status load_target(acc_params *p, acc_target *t, const cfg_node *node)
{
    static const char *const keys[] = {"name",  "baseline", "metric", "workloads", "bits",
                                       "ratio", "range",    "source", NULL};
    base_status st = cfg_map_check(node, "target", keys);
    const cfg_node *n;
    const char *s;
    if (st == BASE_OK)
        st = target_str(node, "name", &n, &s);
    if (st != BASE_OK)
        return st;
    if (!(t->name = base_strdup(s)))
        return acc_nomem(cfg_node_file(node));
    if ((st = target_str(node, "source", &n, &s)) != BASE_OK)
        return st;
    if (!*s)
        return cfg_error(n, BASE_EINVAL, "target '%s': empty source", t->name);
    if ((st = target_str(node, "baseline", &n, &s)) != BASE_OK)
        return st;
    t->baseline = acc_baseline_index(p->model, s);
    if (t->baseline < 0)
        return cfg_error(n, BASE_ENOTFOUND, "unknown baseline '%s' for %s", s, p->model->name);
    if ((st = target_str(node, "metric", &n, &s)) != BASE_OK)
        return st;
    if (strcmp(s, "speedup") == 0)
        t->metric = ACC_SPEEDUP;
    else if (strcmp(s, "energy") == 0)
        t->metric = ACC_ENERGY_RATIO;
    else
        return cfg_error(n, BASE_EINVAL, "metric must be 'speedup' or 'energy', found '%s'", s);
    if ((st = cfg_map_require(node, "workloads", "target", &n)) != BASE_OK ||
        (st = load_strings(n, "workloads", &t->workloads, &t->n_workloads)) != BASE_OK ||
        (st = load_target_bits(t, node)) != BASE_OK)
        return st;
    return load_target_ratio(t, node);
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
            return acc_nomem(cfg_node_file(cal));
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
        return acc_nomem(cfg_node_file(cal));
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

/* A calibrated file: loads its base, then applies the fitted values. */
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
        return acc_nomem(cfg_node_file(root));
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
        return acc_nomem(yaml_path);
    p->model = m;
    p->v = base_calloc(m->n_defs, sizeof *p->v);
    p->src = base_calloc(m->n_defs, sizeof *p->src);
    p->path = base_strdup(yaml_path);
    if (!p->v || !p->src || !p->path) {
        acc_params_free(p);
        return acc_nomem(yaml_path);
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
