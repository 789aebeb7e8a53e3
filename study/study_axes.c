/* study_axes.c - the axes of an experiment file (docs/EXPERIMENTS.md): networks, bit
 * configurations (globs expanded, sorted), the accuracy map, technologies, supply voltages
 * (numbers, "nominal", ranges clipped to each technology's valid range), batch sizes and
 * accelerators (the AP and the rival models of accel/). Each is resolved and checked as it is
 * read, so a bad entry fails with its file:line:col; every input file is folded into the
 * experiment's hash for the resume journal. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "study/study_impl.h"
#include "tech/tech.h"

#define NO_NET ((size_t)-1) /* accuracy map for every network */

int study_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

base_status study_nonempty_seq(const cfg_node *n, const char *what)
{
    base_status st = cfg_expect(n, CFG_SEQ, what);
    if (st == BASE_OK && cfg_node_len(n) == 0)
        st = cfg_error(n, BASE_EINVAL, "'%s' is empty: give at least one entry", what);
    return st;
}

static base_status push_str(char ***list, size_t *n, const char *s)
{
    char **grown = base_realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    *list = grown;
    grown[*n] = base_strdup(s);
    if (!grown[*n])
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    (*n)++;
    return BASE_OK;
}

/* A `networks:` entry: a name or file, or {network: NAME, input_shape: NxCxHxW or [N, C, H, W]}
 * (*name_node is the node holding the name). */
static base_status network_entry(const cfg_node *item, const cfg_node **name_node,
                                 const char **name, net_load_opts *opts)
{
    static const char *const keys[] = {"network", "input_shape", NULL};
    base_status st;
    if (cfg_node_kind(item) != CFG_MAP)
        return cfg_to_str(item, name);
    const cfg_node *shape = cfg_map_get(item, "input_shape");
    if ((st = cfg_map_check(item, "network entry", keys)) != BASE_OK ||
        (st = cfg_map_require(item, "network", "network entry", name_node)) != BASE_OK ||
        (st = cfg_to_str(*name_node, name)) != BASE_OK)
        return st;
    return shape ? net_input_shape_from_cfg(shape, &opts->input_shape) : BASE_OK;
}

base_status study_load_networks(study_experiment *e, const cfg_node *seq)
{
    base_status st = study_nonempty_seq(seq, "networks");
    if (st != BASE_OK)
        return st;
    e->nets = base_calloc(cfg_node_len(seq), sizeof *e->nets);
    if (!e->nets)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg_node_len(seq); i++) {
        const cfg_node *item = cfg_seq_at(seq, i);
        const char *name;
        char path[4096];
        net_load_opts opts = {0};
        char ref[4096];
        st = network_entry(item, &item, &name, &opts);
        if (st == BASE_OK)
            st = cfg_to_path(item, ref, sizeof ref);
        if (st != BASE_OK)
            return st;
        st = net_find_builtin(ref, path, sizeof path);
        if (st != BASE_OK)
            return cfg_error_at_node(item, st, NULL);
        st = net_load_with(path, &opts, &e->nets[e->n_nets]);
        if (st != BASE_OK)
            return st;
        study_hash_file(e, path);
        e->n_nets++;
        for (size_t j = 0; j + 1 < e->n_nets; j++)
            if (strcmp(e->nets[j]->name, e->nets[e->n_nets - 1]->name) == 0)
                return cfg_error(item, BASE_EINVAL, "network '%s' is listed twice", name);
    }
    return BASE_OK;
}

static int is_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

base_status study_load_bits(study_experiment *e, const cfg_node *seq)
{
    base_status st = study_nonempty_seq(seq, "bits");
    if (st != BASE_OK)
        return st;
    /* Glob patterns expand (sorted) into the files they match; one matching nothing is an
     * error, as a typo in a pattern should not silently shrink the sweep. */
    size_t *origin = NULL; /* the sequence item each entry came from */
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(seq); i++) {
        const cfg_node *item = cfg_seq_at(seq, i);
        char spec[4096];
        size_t before = e->n_bits;
        st = cfg_to_path(item, spec, sizeof spec);
        if (st != BASE_OK)
            break;
        if (is_glob(spec)) {
            glob_t g;
            int rc = glob(spec, 0, NULL, &g);
            if (rc == GLOB_NOMATCH)
                st = cfg_error(item, BASE_ENOTFOUND, "glob '%s' matches no file", spec);
            else if (rc != 0)
                st = cfg_error(item, BASE_EIO, "cannot expand glob '%s'", spec);
            for (size_t k = 0; rc == 0 && st == BASE_OK && k < g.gl_pathc; k++)
                st = push_str(&e->bits, &e->n_bits, g.gl_pathv[k]);
            if (rc == 0)
                globfree(&g);
        } else {
            st = push_str(&e->bits, &e->n_bits, spec);
        }
        size_t *grown =
            st == BASE_OK ? base_realloc(origin, (e->n_bits + 1) * sizeof *origin) : NULL;
        if (st == BASE_OK && !grown)
            st = BASE_ERROR(BASE_ENOMEM, "out of memory");
        if (st == BASE_OK) {
            origin = grown;
            for (size_t k = before; k < e->n_bits; k++)
                origin[k] = i;
        }
    }
    if (st == BASE_OK) {
        e->cfgs = base_calloc(e->n_nets * e->n_bits, sizeof *e->cfgs);
        e->top1 = base_calloc(e->n_nets * e->n_bits, sizeof *e->top1);
        e->labels = base_calloc(e->n_nets * e->n_bits, sizeof *e->labels);
        if (!e->cfgs || !e->top1 || !e->labels)
            st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    for (size_t n = 0; st == BASE_OK && n < e->n_nets; n++) {
        for (size_t b = 0; st == BASE_OK && b < e->n_bits; b++) {
            size_t k = n * e->n_bits + b;
            for (size_t j = 0; j < b; j++)
                if (strcmp(e->bits[j], e->bits[b]) == 0)
                    st = cfg_error(cfg_seq_at(seq, origin[b]), BASE_EINVAL,
                                   "bit configuration '%s' is listed twice", e->bits[b]);
            if (st == BASE_OK)
                st = net_bitcfg_resolve(e->bits[b], e->nets[n], &e->cfgs[k]);
            if (st != BASE_OK) {
                /* A file that exists reports its own position; a name that resolves to
                 * nothing is reported where the experiment gave it. */
                if (!study_file_exists(e->bits[b]))
                    st = cfg_error_at_node(cfg_seq_at(seq, origin[b]), st, NULL);
                break;
            }
            if (n == 0)
                study_hash_named(e, e->bits[b], "networks/hawq_v3");
            e->top1[k] = e->cfgs[k]->has_top1 ? e->cfgs[k]->top1_pct : (double)NAN;
            sim_bits_label(e->nets[n], e->cfgs[k], e->labels[k], sizeof e->labels[k]);
        }
    }
    base_free(origin);
    return st;
}

int study_names_bits(const study_experiment *e, size_t net, size_t b, const char *key)
{
    const net_bitcfg *c = e->cfgs[net * e->n_bits + b];
    const char *base = strrchr(e->bits[b], '/');
    base = base ? base + 1 : e->bits[b];
    size_t len = strlen(base);
    if (strcmp(key, e->bits[b]) == 0 || (c->scheme && strcmp(key, c->scheme) == 0))
        return 1;
    return len > 5 && strcmp(base + len - 5, ".yaml") == 0 && strlen(key) == len - 5 &&
           strncmp(base, key, len - 5) == 0;
}

/* accuracy: {config: top1} for every network, or {network: {config: top1}}. */
static base_status load_accuracy_map(study_experiment *e, const cfg_node *map, size_t net)
{
    base_status st = cfg_expect(map, CFG_MAP, "accuracy");
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(map); i++) {
        const cfg_node *key = cfg_map_key_at(map, i), *val = cfg_map_value_at(map, i);
        const char *k = cfg_node_text(key);
        char kpath[4096];
        if (cfg_to_path(key, kpath, sizeof kpath) != BASE_OK)
            snprintf(kpath, sizeof kpath, "%s", k);
        if (net == NO_NET && cfg_node_kind(val) == CFG_MAP) {
            size_t n = 0;
            while (n < e->n_nets && strcmp(e->nets[n]->name, k) != 0)
                n++;
            if (n == e->n_nets)
                return cfg_error(key, BASE_ENOTFOUND, "accuracy: network '%s' is not in 'networks'",
                                 k);
            st = load_accuracy_map(e, val, n);
            continue;
        }
        double top1 = 0;
        int found = 0;
        st = cfg_to_double(val, 0.0, 100.0, &top1);
        for (size_t b = 0; st == BASE_OK && b < e->n_bits; b++) {
            if (!study_names_bits(e, net == NO_NET ? 0 : net, b, k) &&
                !study_names_bits(e, net == NO_NET ? 0 : net, b, kpath))
                continue;
            found = 1;
            for (size_t n = 0; n < e->n_nets; n++)
                if (net == NO_NET || n == net)
                    e->top1[n * e->n_bits + b] = top1;
        }
        if (st == BASE_OK && !found)
            st = cfg_error(key, BASE_ENOTFOUND,
                           "accuracy: '%s' names no bit configuration of 'bits'", k);
    }
    return st;
}

base_status study_load_accuracy(study_experiment *e, const cfg_node *map)
{
    return load_accuracy_map(e, map, NO_NET);
}

base_status study_load_techs(study_experiment *e, const cfg_node *seq)
{
    base_status st = study_nonempty_seq(seq, "technologies");
    if (st != BASE_OK)
        return st;
    size_t n = cfg_node_len(seq);
    e->techs = base_calloc(n, sizeof *e->techs);
    e->n_vdd = base_calloc(n, sizeof *e->n_vdd);
    e->vdd_v = base_calloc(n, sizeof *e->vdd_v);
    if (!e->techs || !e->n_vdd || !e->vdd_v)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const cfg_node *item = cfg_seq_at(seq, i);
        const char *name;
        char *path = NULL, ref[4096];
        st = cfg_to_str(item, &name);
        if (st == BASE_OK)
            st = cfg_to_path(item, ref, sizeof ref);
        if (st == BASE_OK) {
            st = tech_find(ref, &path);
            if (st != BASE_OK)
                return cfg_error_at_node(item, st, NULL);
            st = tech_load(path, &e->techs[e->n_techs]);
            if (st == BASE_OK)
                study_hash_file(e, path);
            base_free(path);
        }
        if (st != BASE_OK)
            return st;
        e->n_techs++;
        for (size_t j = 0; j + 1 < e->n_techs; j++)
            if (strcmp(e->techs[j]->name, e->techs[e->n_techs - 1]->name) == 0)
                return cfg_error(item, BASE_EINVAL, "technology '%s' is listed twice", name);
    }
    return BASE_OK;
}

/* One end of a voltage range: a number, or "min"/"max" for the technology's own bound. */
base_status study_load_nodes(study_experiment *e, const cfg_node *seq)
{
    base_status st = study_nonempty_seq(seq, "node_nm");
    if (st != BASE_OK)
        return st;
    size_t n = cfg_node_len(seq), nt = e->n_techs;
    e->nodes = base_calloc(n, sizeof *e->nodes);
    if (!e->nodes)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        if ((st = cfg_to_double(cfg_seq_at(seq, i), 1, 1000, &v)) != BASE_OK)
            return st;
        for (size_t j = 0; j < e->n_nodes; j++)
            if (e->nodes[j] == v)
                return cfg_error(cfg_seq_at(seq, i), BASE_EINVAL, "node %g nm is listed twice", v);
        e->nodes[e->n_nodes++] = v;
    }
    tech_params **moved = base_calloc(nt * n, sizeof *moved);
    size_t *n_vdd = base_calloc(nt * n, sizeof *n_vdd);
    double **vdd_v = base_calloc(nt * n, sizeof *vdd_v);
    if (!moved || !n_vdd || !vdd_v) {
        base_free(moved);
        base_free(n_vdd);
        base_free(vdd_v);
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    /* The moved tables take the place of the listed ones (which stay for their names). */
    e->src_techs = e->techs;
    e->n_src_techs = nt;
    e->techs = moved;
    e->n_techs = 0;
    base_free(e->n_vdd);
    base_free(e->vdd_v);
    e->n_vdd = n_vdd;
    e->vdd_v = vdd_v;
    for (size_t t = 0; t < nt; t++)
        for (size_t k = 0; k < n; k++) {
            st = tech_params_at_node(e->src_techs[t], e->nodes[k], &e->techs[e->n_techs]);
            if (st != BASE_OK)
                return cfg_error_at_node(cfg_seq_at(seq, k), st, NULL);
            e->n_techs++;
        }
    return BASE_OK;
}

const char *study_tech_name(const study_experiment *e, size_t t)
{
    return e->n_nodes ? e->src_techs[t / e->n_nodes]->name : e->techs[t]->name;
}

static base_status range_end(const cfg_node *n, double *v, int *bound)
{
    const char *t = cfg_node_text(n);
    *bound = 0;
    if (t && strcmp(t, "min") == 0)
        *bound = 1;
    else if (t && strcmp(t, "max") == 0)
        *bound = 2;
    else
        return cfg_to_double(n, 0.05, 10.0, v);
    return BASE_OK;
}

static base_status add_vdd(study_experiment *e, size_t t, double v)
{
    v = round(v * 1e6) / 1e6; /* grid points land on exact decimals */
    for (size_t i = 0; i < e->n_vdd[t]; i++)
        if (e->vdd_v[t][i] == v)
            return BASE_OK;
    double *grown = base_realloc(e->vdd_v[t], (e->n_vdd[t] + 1) * sizeof *grown);
    if (!grown)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    size_t i = e->n_vdd[t];
    while (i > 0 && grown[i - 1] > v) {
        grown[i] = grown[i - 1];
        i--;
    }
    grown[i] = v;
    e->vdd_v[t] = grown;
    e->n_vdd[t]++;
    return BASE_OK;
}

static int vdd_valid(const tech_params *t, double v)
{
    return v >= t->vdd_min_v.value - 1e-9 && v <= t->vdd_max_v.value + 1e-9;
}

/* vdd_v: entries "nominal", a number, or {from, to, step} (from/to may be min/max). A value
 * outside one technology's range is skipped for that technology only; a value (or a range)
 * that fits none of them is an error. */
base_status study_load_vdd(study_experiment *e, const cfg_node *seq, const cfg_node *root)
{
    static const char *const range_keys[] = {"from", "to", "step", NULL};
    base_status st = seq ? study_nonempty_seq(seq, "vdd_v") : BASE_OK;
    size_t n = seq ? cfg_node_len(seq) : 1;
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        const cfg_node *item = seq ? cfg_seq_at(seq, i) : NULL;
        const char *text = item ? cfg_node_text(item) : "nominal";
        size_t used = 0;
        if (text && strcmp(text, "nominal") == 0) {
            for (size_t t = 0; st == BASE_OK && t < e->n_techs; t++, used++)
                st = add_vdd(e, t, e->techs[t]->vdd_nom_v.value);
        } else if (item && cfg_node_kind(item) == CFG_MAP) {
            const cfg_node *from, *to, *step;
            double f = 0, g = 0, s = 0;
            int fb = 0, gb = 0;
            st = cfg_map_check(item, "vdd_v range", range_keys);
            if (st == BASE_OK)
                st = cfg_map_require(item, "from", "vdd_v range", &from);
            if (st == BASE_OK)
                st = cfg_map_require(item, "to", "vdd_v range", &to);
            if (st == BASE_OK)
                st = cfg_map_require(item, "step", "vdd_v range", &step);
            if (st == BASE_OK)
                st = range_end(from, &f, &fb);
            if (st == BASE_OK)
                st = range_end(to, &g, &gb);
            if (st == BASE_OK)
                st = cfg_to_double(step, 0.001, 1.0, &s);
            for (size_t t = 0; st == BASE_OK && t < e->n_techs; t++) {
                const tech_params *tp = e->techs[t];
                double lo = fb == 1 ? tp->vdd_min_v.value : fb == 2 ? tp->vdd_max_v.value : f;
                double hi = gb == 1 ? tp->vdd_min_v.value : gb == 2 ? tp->vdd_max_v.value : g;
                if (hi < lo)
                    return cfg_error(item, BASE_ERANGE, "vdd_v range: 'to' is below 'from'");
                for (long k = 0; st == BASE_OK && lo + (double)k * s <= hi + 1e-9; k++) {
                    double v = lo + (double)k * s;
                    if (vdd_valid(tp, v)) {
                        st = add_vdd(e, t, v);
                        used++;
                    }
                }
            }
        } else {
            double v = 0;
            st = item ? cfg_to_double(item, 0.05, 10.0, &v) : BASE_OK;
            for (size_t t = 0; st == BASE_OK && t < e->n_techs; t++)
                if (vdd_valid(e->techs[t], v)) {
                    st = add_vdd(e, t, v);
                    used++;
                }
        }
        if (st == BASE_OK && used == 0)
            st = cfg_error(item ? item : root, BASE_ERANGE,
                           "vdd_v: no voltage of this entry lies in the valid range of any "
                           "listed technology");
    }
    for (size_t t = 0; st == BASE_OK && t < e->n_techs; t++)
        if (e->n_vdd[t] == 0)
            st = cfg_error(seq ? seq : root, BASE_ERANGE,
                           "vdd_v: no voltage lies in technology '%s''s range %.2f..%.2f V",
                           e->techs[t]->name, e->techs[t]->vdd_min_v.value,
                           e->techs[t]->vdd_max_v.value);
    return st;
}

/* An optional list (absent: one default entry): checks it is a non-empty sequence and
 * allocates room for its *n entries of size bytes each. */
static base_status optional_list(const cfg_node *seq, const char *what, size_t size, void **out,
                                 size_t *n)
{
    base_status st = seq ? study_nonempty_seq(seq, what) : BASE_OK;
    *n = seq ? cfg_node_len(seq) : 1;
    if (st != BASE_OK)
        return st;
    *out = base_calloc(*n, size);
    return *out ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory");
}

base_status study_load_batch(study_experiment *e, const cfg_node *seq)
{
    void *mem = NULL;
    size_t n;
    base_status st = optional_list(seq, "batch", sizeof *e->batch, &mem, &n);
    e->batch = mem;
    if (st != BASE_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        long b = e->arch.batch;
        if (seq && (st = cfg_to_long(cfg_seq_at(seq, i), 1, 65536, &b)) != BASE_OK)
            return st;
        for (size_t j = 0; j < e->n_batch; j++)
            if (e->batch[j] == (unsigned)b)
                return cfg_error(cfg_seq_at(seq, i), BASE_EINVAL, "batch %ld is listed twice", b);
        e->batch[e->n_batch++] = (unsigned)b;
    }
    return BASE_OK;
}

/* Accelerator a's name as listed: "ap", a rival model's or a measured chip's preset. */
static const char *listed_name(const study_experiment *e, size_t a)
{
    if (e->accels[a].model)
        return acc_model_name(e->accels[a].model);
    return study_is_chip(e, a) ? e->chips[a].name : "ap";
}

/* A name that is neither "ap" nor a rival model: a measured chip's preset (sim/arch), or an
 * error listing what is known. */
static base_status load_chip(study_experiment *e, const cfg_node *item, const char *name)
{
    sim_arch *chip = &e->chips[e->n_accels];
    char path[4096], near[4096];
    base_ref ref;
    if (item && cfg_to_path(item, near, sizeof near) == BASE_OK)
        name = near;
    if (base_resolve("sim/arch", name, path, sizeof path, &ref) == BASE_OK &&
        sim_arch_load(path, chip) == BASE_OK && chip->kind == SIM_ARCH_MEASURED) {
        study_hash_named(e, name, "sim/arch");
        return BASE_OK;
    }
    base_error_clear();
    memset(chip, 0, sizeof *chip);
    char known[256] = "ap";
    for (size_t m = 0; m < acc_model_count(); m++) {
        size_t len = strlen(known);
        snprintf(known + len, sizeof known - len, ", %s", acc_model_name(acc_model_at(m)));
    }
    return cfg_error(item, BASE_ENOTFOUND,
                     "unknown accelerator '%s' (%s, or a measured chip's sim/arch preset)", name,
                     known);
}

base_status study_load_accels(study_experiment *e, const cfg_node *seq)
{
    void *mem = NULL;
    size_t n;
    base_status st = optional_list(seq, "accelerators", sizeof *e->accels, &mem, &n);
    e->accels = mem;
    if (st != BASE_OK)
        return st;
    e->chips = base_calloc(n ? n : 1, sizeof *e->chips);
    if (!e->chips)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const cfg_node *item = seq ? cfg_seq_at(seq, i) : NULL;
        const char *name = "ap";
        const acc_model *model;
        if (item && (st = cfg_to_str(item, &name)) != BASE_OK)
            return st;
        /* Twice as written, or the same chip twice (the arch's as "ap", and by name). */
        for (size_t j = 0; j < e->n_accels; j++)
            if (strcmp(cfg_node_text(cfg_seq_at(seq, j)), name) == 0 ||
                strcmp(listed_name(e, j), name) == 0)
                return cfg_error(item, BASE_EINVAL, "accelerator '%s' is listed twice", name);
        if (strcmp(name, "ap") == 0) {
            /* With a measured chip as the architecture, "ap" is that chip. */
            if (e->arch.kind == SIM_ARCH_MEASURED)
                e->chips[e->n_accels] = e->arch;
            e->n_accels++;
            continue;
        }
        if (acc_model_find(name, &model) != BASE_OK) {
            base_error_clear();
            if ((st = load_chip(e, item, name)) != BASE_OK)
                return st;
        } else if ((st = sim_accel_open(name, &e->accels[e->n_accels])) != BASE_OK) {
            sim_accel_close(&e->accels[e->n_accels]);
            return cfg_error_at_node(item, st, NULL);
        } else { /* its parameters change its numbers: a resume must see an edit */
            study_hash_named(e, name, "accel");
            study_hash_named(e, name, "accel/calibrated");
        }
        e->n_accels++;
    }
    return BASE_OK;
}
