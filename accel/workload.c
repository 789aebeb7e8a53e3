/* workload.c - the published layer-shape tables the calibration costs (accel/workloads/
 * <name>.yaml: provenance, batch, conv/FC layers with their bits), loaded strictly into
 * acc_layer rows. Shapes come from the papers each table names; format in docs/ACCEL.md. */
#include <string.h>

#include "accel/accel_impl.h"

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
        return acc_nomem(cfg_node_file(row));
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
        st = acc_nomem(cfg_node_file(root));
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
        return acc_nomem(cfg_node_file(root));
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
        return acc_nomem(yaml_path);
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
