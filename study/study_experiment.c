/* study_experiment.c - the experiment file's schema (docs/EXPERIMENTS.md): its keys, the plot
 * and series names, the published table of other in-memory accelerators, layers_for, and
 * the design points in their stable order (network, bits, batch, accelerator, then for the
 * AP technology and voltage); the axes themselves are read by study_axes.c. Loading checks
 * everything before any output exists. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "study/study_impl.h"
#include "tech/tech.h"

/* Plots an experiment may ask for (each a script in plots/), bit i = STUDY_PLOT_* 1 << i. */
static const char *const PLOT_NAMES[] = {"edp_accuracy", "layer_energy", "edp_vdd",
                                         "batch",        "node",         NULL};
/* Dimensions a plot series can be made of, bit i = STUDY_DIM_* 1 << i. */
static const char *const DIM_NAMES[] = {"network", "bits",  "accelerator", "technology",
                                        "vdd_v",   "batch", "node_nm",     NULL};

static int in_list(const char *const list[], const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

/* A list of names from allowed, as a bit mask (bit i = allowed[i]). */
static base_status load_names(const cfg_node *seq, const char *what, const char *const allowed[],
                              unsigned *mask)
{
    base_status st = study_nonempty_seq(seq, what);
    *mask = 0;
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(seq); i++) {
        const cfg_node *item = cfg_seq_at(seq, i);
        const char *name;
        st = cfg_to_str(item, &name);
        int k = st == BASE_OK ? in_list(allowed, name) : 0;
        if (st == BASE_OK && k < 0)
            st = cfg_error(item, BASE_EKEY, "unknown %s entry '%s'", what, name);
        else if (st == BASE_OK && (*mask & (1u << k)))
            st = cfg_error(item, BASE_EINVAL, "%s entry '%s' is listed twice", what, name);
        else if (st == BASE_OK)
            *mask |= 1u << k;
    }
    return st;
}

static base_status load_published(study_experiment *e, const cfg_node *node)
{
    static const char *const top_keys[] = {"systems", NULL};
    static const char *const sys_keys[] = {"name",     "source",  "gops_per_w", "gops_per_mm2",
                                           "relative", "node_nm", NULL};
    char path[4096];
    cfg_doc *doc = NULL;
    base_status st = cfg_to_path(node, path, sizeof path);
    if (st != BASE_OK)
        return st;
    if (!study_file_exists(path))
        return cfg_error(node, BASE_ENOTFOUND, "published table '%s' does not exist", path);
    e->pub_path = base_strdup(path);
    if (!e->pub_path)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    study_hash_file(e, path);
    st = cfg_doc_load(path, &doc);
    const cfg_node *root = st == BASE_OK ? cfg_doc_root(doc) : NULL, *systems = NULL;
    if (st == BASE_OK)
        st = cfg_map_check(root, "published table", top_keys);
    if (st == BASE_OK)
        st = cfg_map_require(root, "systems", "published table", &systems);
    if (st == BASE_OK)
        st = study_nonempty_seq(systems, "systems");
    if (st == BASE_OK) {
        e->pub = base_calloc(cfg_node_len(systems), sizeof *e->pub);
        if (!e->pub)
            st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(systems); i++) {
        const cfg_node *s = cfg_seq_at(systems, i), *v;
        study_published *p = &e->pub[e->n_pub++];
        const char *name = NULL, *source = NULL, *rel = NULL;
        p->gops_per_w = p->gops_per_mm2 = p->node_nm = NAN;
        st = cfg_map_check(s, "system", sys_keys);
        if (st == BASE_OK && (st = cfg_map_require(s, "name", "system", &v)) == BASE_OK)
            st = cfg_to_str(v, &name);
        if (st == BASE_OK && (st = cfg_map_require(s, "source", "system", &v)) == BASE_OK)
            st = cfg_to_str(v, &source);
        if (st == BASE_OK)
            st = cfg_get_str(s, "relative", &rel);
        if (st == BASE_OK)
            st = cfg_get_double(s, "gops_per_w", 1e-6, 1e9, &p->gops_per_w);
        if (st == BASE_OK)
            st = cfg_get_double(s, "gops_per_mm2", 1e-6, 1e9, &p->gops_per_mm2);
        if (st == BASE_OK)
            st = cfg_get_double(s, "node_nm", 7, 180, &p->node_nm);
        if (st == BASE_OK && isnan(p->gops_per_w) && isnan(p->gops_per_mm2) && !rel)
            st = cfg_error(s, BASE_EKEY,
                           "system '%s' gives no figure (gops_per_w, gops_per_mm2 "
                           "or relative)",
                           name);
        if (st == BASE_OK) {
            p->name = base_strdup(name);
            p->source = base_strdup(source);
            p->relative = rel ? base_strdup(rel) : NULL;
            if (!p->name || !p->source || (rel && !p->relative))
                st = BASE_ERROR(BASE_ENOMEM, "out of memory");
        }
    }
    cfg_doc_free(doc);
    return st;
}

/* Enumerates the design points in their stable order: network, bits, batch, accelerator,
 * then (AP only) technology and voltage. Rivals do not depend on apsim's technology or
 * voltage, so they get one point per network, bits and batch. */
static base_status enumerate(study_experiment *e)
{
    size_t n = 0, ap_per = 0;
    for (size_t t = 0; t < e->n_techs; t++)
        ap_per += e->n_vdd[t];
    for (size_t a = 0; a < e->n_accels; a++)
        n += e->accels[a].model || study_is_chip(e, a) ? 1 : ap_per;
    n *= e->n_nets * e->n_bits * e->n_batch;
    e->points = base_calloc(n ? n : 1, sizeof *e->points);
    if (!e->points)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t ni = 0; ni < e->n_nets; ni++)
        for (size_t b = 0; b < e->n_bits; b++)
            for (size_t bt = 0; bt < e->n_batch; bt++)
                for (size_t a = 0; a < e->n_accels; a++) {
                    study_point base = {.net = ni,
                                        .bits = b,
                                        .batch = bt,
                                        .accel = a,
                                        .tech = STUDY_NO_TECH,
                                        .vdd_v = NAN,
                                        .energy_law = "",
                                        .delay_law = ""};
                    if (e->accels[a].model || study_is_chip(e, a)) {
                        e->points[e->n_points++] = base;
                        continue;
                    }
                    for (size_t t = 0; t < e->n_techs; t++)
                        for (size_t v = 0; v < e->n_vdd[t]; v++) {
                            tech_at_vdd at;
                            base_status st = tech_scale(e->techs[t], e->vdd_v[t][v], &at);
                            if (st != BASE_OK)
                                return st;
                            study_point *p = &e->points[e->n_points++];
                            *p = base;
                            p->tech = t;
                            p->vdd_v = e->vdd_v[t][v];
                            p->energy_law = at.energy_law;
                            p->delay_law = at.delay_law;
                        }
                }
    return BASE_OK;
}

/* layers_for: {network, bits, technology, vdd_v, batch, node_nm}, each optional: the first AP point
 * matching every key given. */
static base_status load_layers_for(study_experiment *e, const cfg_node *m, const cfg_node *root)
{
    static const char *const keys[] = {"network", "bits",    "technology", "vdd_v",
                                       "batch",   "node_nm", NULL};
    const char *net = NULL, *bits = NULL, *tech = NULL;
    double vdd = NAN, node = NAN;
    long batch = 0;
    base_status st = m ? cfg_map_check(m, "layers_for", keys) : BASE_OK;
    if (m && st == BASE_OK)
        st = cfg_get_str(m, "network", &net);
    if (m && st == BASE_OK)
        st = cfg_get_str(m, "bits", &bits);
    char bits_path[4096] = ""; /* bits written as a path, relative to the experiment */
    if (bits && st == BASE_OK)
        st = cfg_to_path(cfg_map_get(m, "bits"), bits_path, sizeof bits_path);
    if (m && st == BASE_OK)
        st = cfg_get_str(m, "technology", &tech);
    if (m && st == BASE_OK)
        st = cfg_get_double(m, "vdd_v", 0.05, 10.0, &vdd);
    if (m && st == BASE_OK)
        st = cfg_get_long(m, "batch", 1, 65536, &batch);
    if (m && st == BASE_OK)
        st = cfg_get_double(m, "node_nm", 1, 1000, &node);
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++) {
        const study_point *p = &e->points[i];
        if (p->tech == STUDY_NO_TECH || (net && strcmp(net, e->nets[p->net]->name) != 0) ||
            (bits && !study_names_bits(e, p->net, p->bits, bits) &&
             !study_names_bits(e, p->net, p->bits, bits_path)) ||
            (tech && strcmp(tech, study_tech_name(e, p->tech)) != 0 &&
             strcmp(tech, e->techs[p->tech]->name) != 0) ||
            (!isnan(node) && node != e->techs[p->tech]->node_nm.value) ||
            (!isnan(vdd) && fabs(vdd - p->vdd_v) > 1e-6) ||
            (batch && (unsigned)batch != e->batch[p->batch]))
            continue;
        e->has_layers = 1;
        e->layers_point = i;
        return BASE_OK;
    }
    if (st == BASE_OK)
        st = cfg_error(m ? m : root, BASE_ENOTFOUND,
                       "layers_for matches no AP design point of the sweep");
    return st;
}

/* name (letters, digits, '_', '-', '.'; it names the results directory) and description. */
static base_status load_title(study_experiment *e, const cfg_node *root)
{
    const cfg_node *n;
    const char *s;
    base_status st = cfg_map_require(root, "name", "experiment", &n);
    if (st == BASE_OK && (st = cfg_to_str(n, &s)) == BASE_OK) {
        if (!*s ||
            strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                strlen(s) ||
            s[0] == '.')
            return cfg_error(n, BASE_EINVAL,
                             "experiment name '%s' must be letters, digits, '_', '-' or '.'", s);
        if (!(e->name = base_strdup(s)))
            return BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    if (st == BASE_OK && (st = cfg_get_str(root, "description", &s)) == BASE_OK &&
        cfg_map_get(root, "description") && !(e->description = base_strdup(s)))
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    return st;
}

/* arch: a shipped name or a file (default SIM_DEFAULT_ARCH); a measured chip makes "ap" in
 * the accelerators that chip (study_load_accels). A file that exists reports its
 * own position; a name that resolves to nothing is reported where the experiment gave it. */
static base_status load_arch(study_experiment *e, const cfg_node *n)
{
    char arch[4096] = SIM_DEFAULT_ARCH;
    base_status st = n ? cfg_to_path(n, arch, sizeof arch) : BASE_OK;
    if (st == BASE_OK && (st = sim_arch_find(arch, &e->arch)) != BASE_OK && n &&
        !study_file_exists(arch))
        st = cfg_error_at_node(n, st, NULL);
    if (st == BASE_OK)
        study_hash_named(e, arch, "sim/arch");
    return st;
}

/* The axes in the order they depend on each other: bits on networks, accuracy on bits,
 * nodes on technologies, voltages on (moved) technologies, batch on the architecture. */
static base_status load_axes(study_experiment *e, const cfg_node *root)
{
    const cfg_node *n;
    base_status st = cfg_map_require(root, "networks", "experiment", &n);
    if (st == BASE_OK)
        st = study_load_networks(e, n);
    if (st == BASE_OK && (st = cfg_map_require(root, "bits", "experiment", &n)) == BASE_OK)
        st = study_load_bits(e, n);
    if (st == BASE_OK && (n = cfg_map_get(root, "accuracy")))
        st = study_load_accuracy(e, n);
    if (st == BASE_OK && (st = cfg_map_require(root, "technologies", "experiment", &n)) == BASE_OK)
        st = study_load_techs(e, n);
    if (st == BASE_OK && (n = cfg_map_get(root, "node_nm")))
        st = study_load_nodes(e, n);
    if (st == BASE_OK)
        st = study_load_vdd(e, cfg_map_get(root, "vdd_v"), root);
    if (st == BASE_OK)
        st = load_arch(e, cfg_map_get(root, "arch"));
    if (st == BASE_OK)
        st = study_load_batch(e, cfg_map_get(root, "batch"));
    if (st == BASE_OK)
        st = study_load_accels(e, cfg_map_get(root, "accelerators"));
    return st;
}

/* Default series: accelerator and technology, plus whichever of network, voltage, batch and
 * node take more than one value (bits are the points along the curve). */
static unsigned default_dims(const study_experiment *e)
{
    size_t n_vdd = 0;
    double first = NAN;
    unsigned dims = STUDY_DIM_ACCEL | STUDY_DIM_TECH;
    for (size_t t = 0; t < e->n_techs; t++)
        for (size_t v = 0; v < e->n_vdd[t]; v++) {
            if (isnan(first))
                first = e->vdd_v[t][v];
            n_vdd += e->vdd_v[t][v] != first;
        }
    return dims | (e->n_nets > 1 ? STUDY_DIM_NETWORK : 0) | (n_vdd ? STUDY_DIM_VDD : 0) |
           (e->n_batch > 1 ? STUDY_DIM_BATCH : 0) | (e->n_nodes > 1 ? STUDY_DIM_NODE : 0);
}

static base_status load_doc(study_experiment *e, const cfg_doc *doc)
{
    static const char *const keys[] = {"name",     "description",  "networks",     "bits",
                                       "accuracy", "technologies", "node_nm",      "vdd_v",
                                       "batch",    "arch",         "accelerators", "plots",
                                       "series",   "layers_for",   "published",    NULL};
    const cfg_node *root = cfg_doc_root(doc), *n;
    base_status st = cfg_map_check(root, "experiment", keys);
    if (st == BASE_OK)
        st = load_title(e, root);
    if (st == BASE_OK)
        st = load_axes(e, root);
    e->plots = STUDY_PLOT_EDP_ACCURACY;
    if (st == BASE_OK && (n = cfg_map_get(root, "plots")))
        st = load_names(n, "plots", PLOT_NAMES, &e->plots);
    if (st == BASE_OK && (n = cfg_map_get(root, "series")))
        st = load_names(n, "series", DIM_NAMES, &e->dims);
    else if (st == BASE_OK)
        e->dims = default_dims(e);
    if (st == BASE_OK)
        st = enumerate(e);
    if (st == BASE_OK && e->n_points == 0)
        st = cfg_error(root, BASE_EINVAL, "the experiment has no design points");
    n = cfg_map_get(root, "layers_for");
    if (st == BASE_OK && (n || (e->plots & STUDY_PLOT_LAYER_ENERGY)))
        st = load_layers_for(e, n, root);
    if (st == BASE_OK && (n = cfg_map_get(root, "published")))
        st = load_published(e, n);
    return st;
}

base_status study_experiment_load(const char *path, study_experiment **out)
{
    cfg_doc *doc = NULL;
    *out = NULL;
    study_experiment *e = base_calloc(1, sizeof *e);
    if (!e)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", path);
    base_status st = cfg_doc_load(path, &doc);
    if (st == BASE_OK && !(e->path = base_strdup(path)))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", path);
    study_hash_start(e);
    if (st == BASE_OK) {
        study_hash_file(e, path);
        st = load_doc(e, doc);
    }
    cfg_doc_free(doc);
    if (st != BASE_OK) {
        study_experiment_free(e);
        return st;
    }
    *out = e;
    return BASE_OK;
}

void study_experiment_free(study_experiment *e)
{
    if (!e)
        return;
    for (size_t i = 0; e->cfgs && i < e->n_nets * e->n_bits; i++)
        net_bitcfg_free(e->cfgs[i]);
    for (size_t i = 0; i < e->n_bits; i++)
        base_free(e->bits[i]);
    for (size_t i = 0; i < e->n_nets; i++)
        net_free(e->nets[i]);
    for (size_t i = 0; i < e->n_techs; i++) {
        tech_params_free(e->techs[i]);
        base_free(e->vdd_v[i]);
    }
    for (size_t i = 0; i < e->n_src_techs; i++)
        tech_params_free(e->src_techs[i]);
    base_free(e->src_techs);
    base_free(e->nodes);
    for (size_t i = 0; i < e->n_accels; i++)
        sim_accel_close(&e->accels[i]);
    for (size_t i = 0; i < e->n_pub; i++) {
        base_free(e->pub[i].name);
        base_free(e->pub[i].source);
        base_free(e->pub[i].relative);
    }
    base_free(e->pub);
    base_free(e->pub_path);
    base_free(e->cfgs);
    base_free(e->bits);
    base_free(e->top1);
    base_free(e->labels);
    base_free(e->nets);
    base_free(e->techs);
    base_free(e->vdd_v);
    base_free(e->n_vdd);
    base_free(e->batch);
    base_free(e->accels);
    base_free(e->chips);
    base_free(e->points);
    base_free(e->path);
    base_free(e->name);
    base_free(e->description);
    base_free(e);
}

const char *study_experiment_name(const study_experiment *e)
{
    return e->name;
}
size_t study_experiment_n_points(const study_experiment *e)
{
    return e->n_points;
}
size_t study_experiment_n_bits(const study_experiment *e)
{
    return e->n_bits;
}
const char *study_experiment_bits(const study_experiment *e, size_t i)
{
    return i < e->n_bits ? e->bits[i] : NULL;
}
