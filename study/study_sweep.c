/* study_sweep.c - experiment files and sweeps: networks x bit configurations x technologies x
 * voltages x batch sizes x accelerators, evaluated through one AP plan per (network, bits,
 * batch) and the rival models of accel/, written as tidy CSV, a JSON summary and a plot list.
 * Format and outputs: docs/EXPERIMENTS.md. Pareto fronts as in multi-objective design-space
 * exploration (maximise top-1 accuracy, minimise EDP). */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "study/study.h"
#include "tech/tech.h"

/* Plots an experiment may ask for (each a script in plots/). */
static const char *const PLOT_NAMES[] = {"edp_accuracy", "layer_energy", "edp_vdd", "batch", NULL};
enum { PLOT_EDP_ACCURACY = 1, PLOT_LAYER_ENERGY = 2, PLOT_EDP_VDD = 4, PLOT_BATCH = 8 };

/* Dimensions a plot series can be made of, in the order they are joined. */
static const char *const DIM_NAMES[] = {"network", "bits",  "accelerator", "technology",
                                        "vdd_v",   "batch", NULL};
enum { DIM_NETWORK = 1, DIM_BITS = 2, DIM_ACCEL = 4, DIM_TECH = 8, DIM_VDD = 16, DIM_BATCH = 32 };

#define NO_TECH       ((size_t)-1)
#define NO_NET        ((size_t)-1) /* accuracy map for every network */
#define JOURNAL_MAGIC "# apsim sweep journal v1"

enum { PT_OK, PT_UNSUPPORTED, PT_NOFIT };
static const char *const STATUS_NAMES[] = {"ok", "unsupported", "no-fit"};

/* One design point and, once evaluated, its figures (per batch; NaN when not applicable). */
typedef struct xp_point {
    size_t net, bits, batch, accel, tech; /* indices; tech is NO_TECH for rivals */
    double vdd_v;                         /* NaN for rivals */
    const char *energy_law, *delay_law;   /* static strings from tech_scale ("" for rivals) */
    int done, status, pareto;
    double latency_ns, energy_pj, e_search_pj, e_write_pj, e_move_pj, e_leak_pj, e_periph_pj;
    double tops_per_w, gops_per_mm2, inf_s, area_mm2;
    uint64_t macs;
    char path[40];    /* rival datapath ("" for the AP) */
    char series[200]; /* plot series */
} xp_point;

/* A published figure of another in-memory accelerator (efficiency table). */
typedef struct xp_published {
    char *name, *source, *relative;
    double gops_per_w, gops_per_mm2; /* NaN when not published */
} xp_published;

struct study_experiment {
    char *path, *name, *description;
    uint64_t hash; /* FNV-1a of SIM_MODEL_VERSION and every input file: a journal written
                      from other inputs or another cost model is not reused */
    size_t n_nets;
    net_network **nets;
    size_t n_bits;
    char **bits;        /* entries after glob expansion */
    net_bitcfg **cfgs;  /* n_nets x n_bits */
    double *top1;       /* n_nets x n_bits, NaN when unknown */
    char (*labels)[16]; /* n_nets x n_bits */
    size_t n_techs;
    tech_params **techs;
    size_t *n_vdd;  /* per technology */
    double **vdd_v; /* per technology, ascending */
    size_t n_batch;
    unsigned *batch;
    sim_arch arch;
    size_t n_accels;
    sim_accel *accels; /* model NULL for the AP */
    unsigned plots, dims;
    int has_layers;
    size_t layers_point;
    size_t n_pub;
    xp_published *pub;
    char *pub_path;
    size_t n_points;
    xp_point *points;
};

/* ---- Small helpers -------------------------------------------------------------------- */

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int in_list(const char *const list[], const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME  1099511628211ull

static void hash_bytes(uint64_t *h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= FNV_PRIME;
    }
}

/* Folds a resolved input file into the experiment's hash: its path, then its contents (a file
 * that cannot be read folds nothing more: loading it fails anyway). */
static void hash_file(study_experiment *e, const char *path)
{
    unsigned char buf[4096];
    size_t n;
    hash_bytes(&e->hash, path, strlen(path) + 1);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        hash_bytes(&e->hash, buf, n);
    fclose(fp);
}

/* Folds the file a name resolves to under a data folder (prefix/<name>.yaml, as
 * net_bitcfg_resolve and sim_arch_find look it up) or the file itself when name is a path;
 * shorthands such as int8 have no file. */
static void hash_named(study_experiment *e, const char *name, const char *prefix)
{
    char rel[512], path[4096];
    if (file_exists(name)) {
        hash_file(e, name);
        return;
    }
    int n = snprintf(rel, sizeof rel, "%s/%s.yaml", prefix, name);
    if (n > 0 && (size_t)n < sizeof rel && !strchr(name, '/') &&
        base_find_data(rel, path, sizeof path) == BASE_OK)
        hash_file(e, path);
}

/* A non-empty sequence (BASE_ETYPE / BASE_EINVAL otherwise). */
static base_status nonempty_seq(const cfg_node *n, const char *what)
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

const char *sim_bits_label(const net_network *net, const net_bitcfg *bits, char *buf, size_t cap)
{
    size_t n_weighted = 0, seen = 0;
    unsigned w = 0, a = 0;
    int uniform = 1;
    for (size_t i = 0; i < net->n_layers; i++)
        n_weighted += net_kind_has_weights(net->layers[i].kind) != 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        if (!net_kind_has_weights(net->layers[i].kind))
            continue;
        seen++;
        /* The first and last weight layers are often kept at 8 bits (HAWQ-V3's INT4). */
        if (n_weighted > 2 && (seen == 1 || seen == n_weighted))
            continue;
        const net_layer_bits *b = &bits->bits[i];
        if (w == 0) {
            w = b->w_bits;
            a = b->a_bits;
        } else if (b->w_bits != w || b->a_bits != a) {
            uniform = 0;
        }
    }
    if (!uniform || w == 0)
        snprintf(buf, cap, "mixed");
    else if (w == a)
        snprintf(buf, cap, "INT%u", w);
    else
        snprintf(buf, cap, "W%uA%u", w, a);
    return buf;
}

void study_pareto_mark(const double *acc, const double *edp, size_t n, int *on_front)
{
    for (size_t i = 0; i < n; i++) {
        on_front[i] = !isnan(acc[i]) && !isnan(edp[i]);
        for (size_t j = 0; j < n && on_front[i]; j++) {
            if (j == i || isnan(acc[j]) || isnan(edp[j]))
                continue;
            if (acc[j] >= acc[i] && edp[j] <= edp[i] && (acc[j] > acc[i] || edp[j] < edp[i]))
                on_front[i] = 0;
        }
    }
}

/* ---- Loading -------------------------------------------------------------------------- */

static base_status load_networks(study_experiment *e, const cfg_node *seq)
{
    base_status st = nonempty_seq(seq, "networks");
    if (st != BASE_OK)
        return st;
    e->nets = base_calloc(cfg_node_len(seq), sizeof *e->nets);
    if (!e->nets)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg_node_len(seq); i++) {
        const cfg_node *item = cfg_seq_at(seq, i);
        const char *name;
        char path[4096];
        st = cfg_to_str(item, &name);
        if (st != BASE_OK)
            return st;
        st = net_find_builtin(name, path, sizeof path);
        if (st != BASE_OK)
            return cfg_error_at_node(item, st, NULL);
        st = net_load(path, &e->nets[e->n_nets]);
        if (st != BASE_OK)
            return st;
        hash_file(e, path);
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

static base_status load_bits(study_experiment *e, const cfg_node *seq)
{
    base_status st = nonempty_seq(seq, "bits");
    if (st != BASE_OK)
        return st;
    /* Glob patterns expand (sorted) into the files they match; one matching nothing is an
     * error, as a typo in a pattern should not silently shrink the sweep. */
    size_t *origin = NULL; /* the sequence item each entry came from */
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(seq); i++) {
        const cfg_node *item = cfg_seq_at(seq, i);
        const char *spec;
        size_t before = e->n_bits;
        st = cfg_to_str(item, &spec);
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
                if (!file_exists(e->bits[b]))
                    st = cfg_error_at_node(cfg_seq_at(seq, origin[b]), st, NULL);
                break;
            }
            if (n == 0)
                hash_named(e, e->bits[b], "networks/hawq_v3");
            e->top1[k] = e->cfgs[k]->has_top1 ? e->cfgs[k]->top1_pct : (double)NAN;
            sim_bits_label(e->nets[n], e->cfgs[k], e->labels[k], sizeof e->labels[k]);
        }
    }
    base_free(origin);
    return st;
}

/* 1 when key names bit configuration b (its entry, scheme, or file name without .yaml). */
static int names_bits(const study_experiment *e, size_t b, const char *key)
{
    const net_bitcfg *c = e->cfgs[b];
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
            if (!names_bits(e, b, k))
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

static base_status load_techs(study_experiment *e, const cfg_node *seq)
{
    base_status st = nonempty_seq(seq, "technologies");
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
        char *path = NULL;
        st = cfg_to_str(item, &name);
        if (st == BASE_OK) {
            st = tech_find(name, &path);
            if (st != BASE_OK)
                return cfg_error_at_node(item, st, NULL);
            st = tech_load(path, &e->techs[e->n_techs]);
            if (st == BASE_OK)
                hash_file(e, path);
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
static base_status load_vdd(study_experiment *e, const cfg_node *seq, const cfg_node *root)
{
    static const char *const range_keys[] = {"from", "to", "step", NULL};
    base_status st = seq ? nonempty_seq(seq, "vdd_v") : BASE_OK;
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

static base_status load_batch(study_experiment *e, const cfg_node *seq)
{
    base_status st = seq ? nonempty_seq(seq, "batch") : BASE_OK;
    size_t n = seq ? cfg_node_len(seq) : 1;
    if (st != BASE_OK)
        return st;
    e->batch = base_calloc(n, sizeof *e->batch);
    if (!e->batch)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
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

static base_status load_accels(study_experiment *e, const cfg_node *seq)
{
    base_status st = seq ? nonempty_seq(seq, "accelerators") : BASE_OK;
    size_t n = seq ? cfg_node_len(seq) : 1;
    if (st != BASE_OK)
        return st;
    e->accels = base_calloc(n, sizeof *e->accels);
    if (!e->accels)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const cfg_node *item = seq ? cfg_seq_at(seq, i) : NULL;
        const char *name = "ap";
        if (item && (st = cfg_to_str(item, &name)) != BASE_OK)
            return st;
        const acc_model *model;
        if (strcmp(name, "ap") != 0 && acc_model_find(name, &model) != BASE_OK) {
            char known[256] = "ap";
            for (size_t m = 0; m < acc_model_count(); m++) {
                size_t len = strlen(known);
                snprintf(known + len, sizeof known - len, ", %s", acc_model_name(acc_model_at(m)));
            }
            return cfg_error(item, BASE_ENOTFOUND, "unknown accelerator '%s' (%s)", name, known);
        }
        for (size_t j = 0; j < e->n_accels; j++) {
            const char *other = e->accels[j].model ? acc_model_name(e->accels[j].model) : "ap";
            if (strcmp(other, name) == 0)
                return cfg_error(item, BASE_EINVAL, "accelerator '%s' is listed twice", name);
        }
        if (strcmp(name, "ap") != 0 &&
            (st = sim_accel_open(name, &e->accels[e->n_accels])) != BASE_OK) {
            sim_accel_close(&e->accels[e->n_accels]);
            return cfg_error_at_node(item, st, NULL);
        }
        e->n_accels++;
    }
    return BASE_OK;
}

/* A list of names from allowed, as a bit mask (bit i = allowed[i]). */
static base_status load_names(const cfg_node *seq, const char *what, const char *const allowed[],
                              unsigned *mask)
{
    base_status st = nonempty_seq(seq, what);
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
    static const char *const sys_keys[] = {"name",         "source",   "gops_per_w",
                                           "gops_per_mm2", "relative", NULL};
    const char *path;
    cfg_doc *doc = NULL;
    base_status st = cfg_to_str(node, &path);
    if (st != BASE_OK)
        return st;
    if (!file_exists(path))
        return cfg_error(node, BASE_ENOTFOUND, "published table '%s' does not exist", path);
    e->pub_path = base_strdup(path);
    if (!e->pub_path)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    hash_file(e, path);
    st = cfg_doc_load(path, &doc);
    const cfg_node *root = st == BASE_OK ? cfg_doc_root(doc) : NULL, *systems = NULL;
    if (st == BASE_OK)
        st = cfg_map_check(root, "published table", top_keys);
    if (st == BASE_OK)
        st = cfg_map_require(root, "systems", "published table", &systems);
    if (st == BASE_OK)
        st = nonempty_seq(systems, "systems");
    if (st == BASE_OK) {
        e->pub = base_calloc(cfg_node_len(systems), sizeof *e->pub);
        if (!e->pub)
            st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(systems); i++) {
        const cfg_node *s = cfg_seq_at(systems, i), *v;
        xp_published *p = &e->pub[e->n_pub++];
        const char *name = NULL, *source = NULL, *rel = NULL;
        p->gops_per_w = p->gops_per_mm2 = NAN;
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
        n += e->accels[a].model ? 1 : ap_per;
    n *= e->n_nets * e->n_bits * e->n_batch;
    e->points = base_calloc(n ? n : 1, sizeof *e->points);
    if (!e->points)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t ni = 0; ni < e->n_nets; ni++)
        for (size_t b = 0; b < e->n_bits; b++)
            for (size_t bt = 0; bt < e->n_batch; bt++)
                for (size_t a = 0; a < e->n_accels; a++) {
                    xp_point base = {.net = ni,
                                     .bits = b,
                                     .batch = bt,
                                     .accel = a,
                                     .tech = NO_TECH,
                                     .vdd_v = NAN,
                                     .energy_law = "",
                                     .delay_law = ""};
                    if (e->accels[a].model) {
                        e->points[e->n_points++] = base;
                        continue;
                    }
                    for (size_t t = 0; t < e->n_techs; t++)
                        for (size_t v = 0; v < e->n_vdd[t]; v++) {
                            tech_at_vdd at;
                            base_status st = tech_scale(e->techs[t], e->vdd_v[t][v], &at);
                            if (st != BASE_OK)
                                return st;
                            xp_point *p = &e->points[e->n_points++];
                            *p = base;
                            p->tech = t;
                            p->vdd_v = e->vdd_v[t][v];
                            p->energy_law = at.energy_law;
                            p->delay_law = at.delay_law;
                        }
                }
    return BASE_OK;
}

static const char *bits_name(const study_experiment *e, const xp_point *p)
{
    return sim_bits_name(e->cfgs[p->net * e->n_bits + p->bits]);
}

static const char *accel_name(const study_experiment *e, size_t a)
{
    return e->accels[a].model ? acc_model_name(e->accels[a].model) : "ap";
}

/* layers_for: {network, bits, technology, vdd_v, batch}, each optional: the first AP point
 * matching every key given. */
static base_status load_layers_for(study_experiment *e, const cfg_node *m, const cfg_node *root)
{
    static const char *const keys[] = {"network", "bits", "technology", "vdd_v", "batch", NULL};
    const char *net = NULL, *bits = NULL, *tech = NULL;
    double vdd = NAN;
    long batch = 0;
    base_status st = m ? cfg_map_check(m, "layers_for", keys) : BASE_OK;
    if (m && st == BASE_OK)
        st = cfg_get_str(m, "network", &net);
    if (m && st == BASE_OK)
        st = cfg_get_str(m, "bits", &bits);
    if (m && st == BASE_OK)
        st = cfg_get_str(m, "technology", &tech);
    if (m && st == BASE_OK)
        st = cfg_get_double(m, "vdd_v", 0.05, 10.0, &vdd);
    if (m && st == BASE_OK)
        st = cfg_get_long(m, "batch", 1, 65536, &batch);
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++) {
        const xp_point *p = &e->points[i];
        if (p->tech == NO_TECH || (net && strcmp(net, e->nets[p->net]->name) != 0) ||
            (bits && !names_bits(e, p->net * e->n_bits + p->bits, bits)) ||
            (tech && strcmp(tech, e->techs[p->tech]->name) != 0) ||
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

static base_status load_doc(study_experiment *e, const cfg_doc *doc)
{
    static const char *const keys[] = {"name",       "description",  "networks", "bits",
                                       "accuracy",   "technologies", "vdd_v",    "batch",
                                       "arch",       "accelerators", "plots",    "series",
                                       "layers_for", "published",    NULL};
    const cfg_node *root = cfg_doc_root(doc), *n;
    const char *s;
    base_status st = cfg_map_check(root, "experiment", keys);
    if (st == BASE_OK && (st = cfg_map_require(root, "name", "experiment", &n)) == BASE_OK &&
        (st = cfg_to_str(n, &s)) == BASE_OK) {
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
    if (st == BASE_OK && (st = cfg_map_require(root, "networks", "experiment", &n)) == BASE_OK)
        st = load_networks(e, n);
    if (st == BASE_OK && (st = cfg_map_require(root, "bits", "experiment", &n)) == BASE_OK)
        st = load_bits(e, n);
    if (st == BASE_OK && (n = cfg_map_get(root, "accuracy")))
        st = load_accuracy_map(e, n, NO_NET);
    if (st == BASE_OK && (st = cfg_map_require(root, "technologies", "experiment", &n)) == BASE_OK)
        st = load_techs(e, n);
    if (st == BASE_OK)
        st = load_vdd(e, cfg_map_get(root, "vdd_v"), root);
    if (st == BASE_OK) {
        const char *arch = SIM_DEFAULT_ARCH;
        n = cfg_map_get(root, "arch");
        if (n)
            st = cfg_to_str(n, &arch);
        if (st == BASE_OK && (st = sim_arch_find(arch, &e->arch)) != BASE_OK && n &&
            !file_exists(arch))
            st = cfg_error_at_node(n, st, NULL);
        if (st == BASE_OK)
            hash_named(e, arch, "sim/arch");
    }
    if (st == BASE_OK)
        st = load_batch(e, cfg_map_get(root, "batch"));
    if (st == BASE_OK)
        st = load_accels(e, cfg_map_get(root, "accelerators"));
    e->plots = PLOT_EDP_ACCURACY;
    if (st == BASE_OK && (n = cfg_map_get(root, "plots")))
        st = load_names(n, "plots", PLOT_NAMES, &e->plots);
    if (st == BASE_OK && (n = cfg_map_get(root, "series"))) {
        st = load_names(n, "series", DIM_NAMES, &e->dims);
    } else if (st == BASE_OK) {
        /* Default: accelerator and technology, plus whichever of network, voltage and batch
         * take more than one value (bits are the points along the curve). */
        size_t n_vdd = 0;
        double first = NAN;
        e->dims = DIM_ACCEL | DIM_TECH;
        for (size_t t = 0; t < e->n_techs; t++)
            for (size_t v = 0; v < e->n_vdd[t]; v++) {
                if (isnan(first))
                    first = e->vdd_v[t][v];
                n_vdd += e->vdd_v[t][v] != first;
            }
        e->dims |= (e->n_nets > 1 ? DIM_NETWORK : 0) | (n_vdd ? DIM_VDD : 0) |
                   (e->n_batch > 1 ? DIM_BATCH : 0);
    }
    if (st == BASE_OK)
        st = enumerate(e);
    if (st == BASE_OK && e->n_points == 0)
        st = cfg_error(root, BASE_EINVAL, "the experiment has no design points");
    n = cfg_map_get(root, "layers_for");
    if (st == BASE_OK && (n || (e->plots & PLOT_LAYER_ENERGY)))
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
    e->hash = FNV_OFFSET;
    hash_bytes(&e->hash, SIM_MODEL_VERSION, sizeof SIM_MODEL_VERSION);
    if (st == BASE_OK) {
        hash_file(e, path);
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

/* ---- Evaluation ----------------------------------------------------------------------- */

static void clear_figures(xp_point *p)
{
    p->latency_ns = p->energy_pj = p->e_search_pj = p->e_write_pj = NAN;
    p->e_move_pj = p->e_leak_pj = p->e_periph_pj = NAN;
    p->tops_per_w = p->gops_per_mm2 = p->inf_s = p->area_mm2 = NAN;
    p->macs = 0;
    p->path[0] = '\0';
}

static void fill_ap(xp_point *p, const sim_result *r)
{
    p->status = PT_OK;
    p->latency_ns = r->latency_ns;
    p->energy_pj = r->energy_pj;
    p->e_search_pj = r->energy_search_pj;
    p->e_write_pj = r->energy_write_pj;
    p->e_move_pj = r->energy_move_pj;
    p->e_leak_pj = r->energy_leak_pj;
    p->e_periph_pj = r->energy_periph_pj;
    p->tops_per_w = r->tops_per_w;
    p->gops_per_mm2 = r->gops_per_mm2;
    p->inf_s = r->throughput_inf_s;
    p->area_mm2 = r->area_mm2;
    p->macs = r->macs;
}

/* Runs a rival model; a configuration its datapath cannot run is a recorded outcome. */
static base_status eval_rival(const study_experiment *e, xp_point *p)
{
    acc_cost c;
    sim_accel *a = &e->accels[p->accel];
    base_status st = sim_accel_run(a, e->nets[p->net], e->cfgs[p->net * e->n_bits + p->bits],
                                   e->batch[p->batch], &c);
    clear_figures(p);
    if (st == BASE_EUNSUPPORTED) {
        base_error_clear();
        p->status = PT_UNSUPPORTED;
        return BASE_OK;
    }
    if (st != BASE_OK)
        return st;
    p->status = PT_OK;
    p->latency_ns = c.latency_ns;
    p->energy_pj = c.energy_pj;
    p->macs = c.n_macs;
    p->tops_per_w = 2.0 * (double)c.n_macs / c.energy_pj; /* ops/pJ = TOPS/W */
    p->inf_s = (double)e->batch[p->batch] / (c.latency_ns * 1e-9);
    snprintf(p->path, sizeof p->path, "%s", c.path ? c.path : "");
    for (char *q = p->path; *q; q++)
        if (*q == ',' || *q == '|' || *q == '"' || *q == '\n')
            *q = ';';
    return BASE_OK;
}

/* The AP plan of the current (network, bits, batch) group, rebuilt when the group changes. */
typedef struct plan_cache {
    size_t net, bits, batch;
    int valid, nofit;
    sim_plan *plan;
    sim_result *res;
    size_t n_built;
} plan_cache;

static void cache_drop(plan_cache *c)
{
    sim_result_free(c->res);
    sim_plan_free(c->plan);
    c->res = NULL;
    c->plan = NULL;
    c->valid = 0;
}

static base_status eval_ap(const study_experiment *e, plan_cache *c, xp_point *p)
{
    base_status st = BASE_OK;
    if (!c->valid || c->net != p->net || c->bits != p->bits || c->batch != p->batch) {
        sim_arch arch = e->arch;
        cache_drop(c);
        arch.batch = e->batch[p->batch];
        st = sim_plan_new(e->nets[p->net], e->cfgs[p->net * e->n_bits + p->bits], &arch, &c->plan);
        c->nofit = st == BASE_ECAPACITY;
        if (c->nofit)
            base_error_clear();
        else if (st == BASE_OK)
            st = sim_result_new(c->plan, &c->res);
        if (st != BASE_OK && !c->nofit) {
            cache_drop(c);
            return st;
        }
        c->net = p->net;
        c->bits = p->bits;
        c->batch = p->batch;
        c->valid = 1;
        c->n_built += !c->nofit;
    }
    clear_figures(p);
    if (c->nofit) {
        p->status = PT_NOFIT;
        return BASE_OK;
    }
    st = sim_plan_eval(c->plan, e->techs[p->tech], p->vdd_v, c->res);
    if (st == BASE_OK)
        fill_ap(p, c->res);
    return st;
}

/* ---- Journal of finished points (resume) ---------------------------------------------- */

static void journal_write(FILE *fp, size_t i, const xp_point *p)
{
    fprintf(fp,
            "%zu|%d|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%" PRIu64
            "|%s\n",
            i, p->status, p->latency_ns, p->energy_pj, p->e_search_pj, p->e_write_pj, p->e_move_pj,
            p->e_leak_pj, p->e_periph_pj, p->tops_per_w, p->gops_per_mm2, p->inf_s, p->area_mm2,
            p->macs, p->path);
    fflush(fp);
}

/* Parses one whole journal line into pts; malformed or out-of-range lines are ignored, and
 * that point is simply evaluated again. */
static void journal_parse(char *line, xp_point *pts, size_t n)
{
    char *f[16];
    size_t k = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *s = line; k < 16; k++) {
        f[k] = s;
        s = strchr(s, '|');
        if (!s) {
            k++;
            break;
        }
        *s++ = '\0';
    }
    if (k != 15)
        return;
    char *end;
    errno = 0;
    unsigned long long idx = strtoull(f[0], &end, 10);
    if (*end || idx >= n || errno)
        return;
    xp_point q = pts[idx];
    /* Fields 2..12 in the order journal_write prints them. */
    double *vals[] = {&q.latency_ns,   &q.energy_pj, &q.e_search_pj, &q.e_write_pj,
                      &q.e_move_pj,    &q.e_leak_pj, &q.e_periph_pj, &q.tops_per_w,
                      &q.gops_per_mm2, &q.inf_s,     &q.area_mm2};
    long status = strtol(f[1], &end, 10);
    if (*end || status < PT_OK || status > PT_NOFIT)
        return;
    q.status = (int)status;
    for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
        *vals[j] = strtod(f[j + 2], &end);
        if (*end)
            return;
    }
    q.macs = strtoull(f[13], &end, 10);
    if (*end || strlen(f[14]) >= sizeof q.path)
        return;
    snprintf(q.path, sizeof q.path, "%s", f[14]);
    q.done = 1;
    pts[idx] = q;
}

/* Opens the journal for appending, first taking in what an interrupted run of the same
 * inputs left. Only whole lines count: a torn last line (a kill mid-write) is cut off the file
 * before appending, so the next record starts on a line of its own. *n_resumed counts the
 * points recovered. */
static base_status journal_open(const study_experiment *e, const char *path, xp_point *pts,
                                size_t *n_resumed, FILE **out)
{
    char header[128], line[1024];
    FILE *fp = fopen(path, "r");
    int same = 0;
    long whole = 0; /* bytes up to the end of the last whole line */
    snprintf(header, sizeof header, "%s %016" PRIx64 " %zu\n", JOURNAL_MAGIC, e->hash, e->n_points);
    *n_resumed = 0;
    if (fp) {
        same = fgets(line, sizeof line, fp) && strcmp(line, header) == 0;
        whole = same ? ftell(fp) : 0;
        while (same && fgets(line, sizeof line, fp)) {
            size_t len = strlen(line);
            if (len == 0 || line[len - 1] != '\n')
                break; /* torn (or overlong) line: it and anything after it are dropped */
            journal_parse(line, pts, e->n_points);
            whole = ftell(fp);
        }
        fclose(fp);
    }
    if (same && whole > 0 && truncate(path, (off_t)whole) != 0)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot repair the sweep journal: %s",
                             strerror(errno));
    for (size_t i = 0; i < e->n_points; i++)
        *n_resumed += pts[i].done ? 1u : 0u;
    *out = fopen(path, same ? "a" : "w");
    if (!*out)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot write the sweep journal: %s",
                             strerror(errno));
    if (!same)
        fputs(header, *out);
    fflush(*out);
    return BASE_OK;
}

/* ---- Outputs -------------------------------------------------------------------------- */

typedef struct sweep_out {
    const study_experiment *e;
    xp_point *pts;
    size_t *front; /* indices of Pareto points, sorted by series then accuracy */
    size_t n_front;
    const sim_plan *layers_plan;
    const sim_result *layers_res;
} sweep_out;

/* ",value" with prec decimals (fixed, or in exponent form when sci), or "," for NaN. */
static void put_num(FILE *fp, int prec, int sci, double v)
{
    fputc(',', fp);
    if (!isnan(v))
        fprintf(fp, sci ? "%.*e" : "%.*f", prec, v);
}

/* Appends one '/'-separated part to a series name of capacity cap, truncating (never past
 * cap - 1 characters, always terminated) when it is full. */
static void series_add(char *s, size_t cap, size_t *len, const char *part)
{
    if (*len && *len + 1 < cap) {
        s[(*len)++] = '/';
        s[*len] = '\0';
    }
    if (*len + 1 < cap) {
        int n = snprintf(s + *len, cap - *len, "%s", part);
        *len = n < 0 ? *len : *len + (size_t)n;
    }
    if (*len > cap - 1)
        *len = cap - 1;
}

static void make_series(const study_experiment *e, xp_point *p)
{
    char *s = p->series, part[64];
    size_t cap = sizeof p->series, len = 0;
    s[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        snprintf(part, sizeof part, __VA_ARGS__);                                                  \
        series_add(s, cap, &len, part);                                                            \
    } while (0)
    if (e->dims & DIM_NETWORK)
        series_add(s, cap, &len, e->nets[p->net]->name);
    if (e->dims & DIM_BITS)
        series_add(s, cap, &len, bits_name(e, p));
    if (p->tech == NO_TECH) {
        series_add(s, cap, &len, accel_name(e, p->accel));
    } else {
        if (e->dims & DIM_ACCEL)
            series_add(s, cap, &len, "ap");
        if (e->dims & DIM_TECH)
            series_add(s, cap, &len, e->techs[p->tech]->name);
        if (e->dims & DIM_VDD)
            ADD("%.2fV", p->vdd_v);
    }
    if (e->dims & DIM_BATCH)
        ADD("b%u", e->batch[p->batch]);
#undef ADD
    if (!s[0])
        snprintf(s, cap, "all");
    for (char *q = s; *q; q++)
        if (*q == ' ' || *q == ',' || *q == '|')
            *q = '_';
}

static void write_point(FILE *fp, const study_experiment *e, const xp_point *p)
{
    size_t k = p->net * e->n_bits + p->bits;
    double edp = sim_edp_js(p->energy_pj, p->latency_ns);
    fprintf(fp, "%s,%s,%s,%s,%s,%s", e->name, e->nets[p->net]->name, bits_name(e, p), e->labels[k],
            accel_name(e, p->accel), p->tech == NO_TECH ? "-" : e->techs[p->tech]->name);
    put_num(fp, 3, 0, p->vdd_v);
    fprintf(fp, ",%u,%s", e->batch[p->batch], STATUS_NAMES[p->status]);
    put_num(fp, 2, 0, e->top1[k]);
    put_num(fp, 6, 1, p->latency_ns * 1e-6);
    put_num(fp, 6, 1, p->energy_pj * 1e-9);
    put_num(fp, 6, 1, edp);
    put_num(fp, 6, 1, p->e_search_pj * 1e-9);
    put_num(fp, 6, 1, p->e_write_pj * 1e-9);
    put_num(fp, 6, 1, p->e_move_pj * 1e-9);
    put_num(fp, 6, 1, p->e_leak_pj * 1e-9);
    put_num(fp, 6, 1, p->e_periph_pj * 1e-9);
    put_num(fp, 6, 1, p->energy_pj * 1e-9 / e->batch[p->batch]);
    fprintf(fp, ",%" PRIu64, p->macs);
    put_num(fp, 6, 1, p->tops_per_w);
    put_num(fp, 6, 1, p->gops_per_mm2);
    put_num(fp, 6, 1, p->inf_s);
    put_num(fp, 3, 0, p->area_mm2);
    fprintf(fp, ",%d,%s,%s,\"%s\",\"%s\"\n", p->pareto, p->series, p->path, p->energy_law,
            p->delay_law);
}

static const char POINTS_HEADER[] =
    "experiment,network,bits,label,accelerator,technology,vdd_v,batch,status,top1_pct,"
    "latency_ms,energy_mj,edp_js,energy_search_mj,energy_write_mj,energy_move_mj,"
    "energy_leak_mj,energy_periph_mj,energy_per_inf_mj,macs_per_batch,tops_per_w,gops_per_mm2,"
    "inferences_per_s,area_mm2,pareto,series,path,energy_law,delay_law\n";

static size_t series_firsts(const sweep_out *o, size_t *firsts, int (*want)(const xp_point *));

/* Rows grouped by series (in order of first appearance), sweep order within a series:
 * gnuplot draws a series' line only through consecutive rows. */
static base_status write_points(FILE *fp, const void *ctx)
{
    const sweep_out *o = ctx;
    size_t *firsts = base_calloc(o->e->n_points, sizeof *firsts);
    if (!firsts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    size_t n_series = series_firsts(o, firsts, NULL);
    fputs(POINTS_HEADER, fp);
    for (size_t s = 0; s < n_series; s++)
        for (size_t i = firsts[s]; i < o->e->n_points; i++)
            if (strcmp(o->pts[i].series, o->pts[firsts[s]].series) == 0)
                write_point(fp, o->e, &o->pts[i]);
    base_free(firsts);
    return base_write_status(fp);
}

static base_status write_front(FILE *fp, const void *ctx)
{
    const sweep_out *o = ctx;
    fputs(POINTS_HEADER, fp);
    for (size_t i = 0; i < o->n_front; i++)
        write_point(fp, o->e, &o->pts[o->front[i]]);
    return base_write_status(fp);
}

/* Index of the first point of each distinct series, in order of first appearance. */
static size_t series_firsts(const sweep_out *o, size_t *firsts, int (*want)(const xp_point *))
{
    size_t n = 0;
    for (size_t i = 0; i < o->e->n_points; i++) {
        const xp_point *p = &o->pts[i];
        size_t j = 0;
        if (want && !want(p))
            continue;
        while (j < n && strcmp(o->pts[firsts[j]].series, p->series) != 0)
            j++;
        if (j == n)
            firsts[n++] = i;
    }
    return n;
}

static base_status write_summary(FILE *fp, const void *ctx)
{
    const sweep_out *o = ctx;
    const study_experiment *e = o->e;
    size_t n_unsup = 0, n_ok = 0, n_nofit = 0;
    size_t *firsts = base_calloc(e->n_points, sizeof *firsts);
    if (!firsts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t i = 0; i < e->n_points; i++) {
        n_unsup += o->pts[i].status != PT_OK;
        n_ok += o->pts[i].status == PT_OK;
        n_nofit += o->pts[i].status == PT_NOFIT;
    }
    fprintf(fp, "{\n  \"experiment\": ");
    base_json_str(fp, e->name);
    fprintf(fp, ",\n  \"description\": ");
    base_json_str(fp, e->description ? e->description : "");
    fprintf(fp, ",\n  \"file\": ");
    base_json_str(fp, e->path);
    fprintf(fp, ",\n  \"inputs_fnv1a\": \"%016" PRIx64 "\",\n  \"model_version\": ", e->hash);
    base_json_str(fp, SIM_MODEL_VERSION);
    fputs(",\n  \"architecture\": ", fp);
    base_json_str(fp, e->arch.name);
    fprintf(fp,
            ",\n  \"n_points\": %zu,\n  \"n_ok\": %zu,\n  \"n_unsupported\": %zu,\n"
            "  \"n_nofit\": %zu,\n  \"n_pareto\": %zu,\n  \"units\": {\"latency\": \"ms per "
            "batch\", \"energy\": "
            "\"mJ per batch\", \"edp\": \"J*s per batch\"},\n  \"series\": [",
            e->n_points, n_ok, n_unsup, n_nofit, o->n_front);
    size_t n_series = series_firsts(o, firsts, NULL);
    for (size_t s = 0; s < n_series; s++) {
        const char *name = o->pts[firsts[s]].series;
        size_t n = 0, n_front = 0, best = SIZE_MAX;
        double best_edp = INFINITY;
        for (size_t i = 0; i < e->n_points; i++) {
            const xp_point *p = &o->pts[i];
            if (strcmp(p->series, name) != 0)
                continue;
            n++;
            n_front += (size_t)p->pareto;
            double edp = sim_edp_js(p->energy_pj, p->latency_ns);
            if (p->status == PT_OK && edp < best_edp) {
                best_edp = edp;
                best = i;
            }
        }
        fprintf(fp, "%s\n    {\"name\": ", s ? "," : "");
        base_json_str(fp, name);
        fprintf(fp, ", \"n_points\": %zu, \"n_front\": %zu, \"least_edp\": ", n, n_front);
        if (best == SIZE_MAX) {
            fprintf(fp, "null}");
            continue;
        }
        const xp_point *p = &o->pts[best];
        fprintf(fp, "{\"network\": ");
        base_json_str(fp, e->nets[p->net]->name);
        fprintf(fp, ", \"bits\": ");
        base_json_str(fp, bits_name(e, p));
        fprintf(fp, ", \"edp_js\": %.6e", best_edp);
        double top1 = e->top1[p->net * e->n_bits + p->bits];
        if (!isnan(top1))
            fprintf(fp, ", \"top1_pct\": %.2f", top1);
        fprintf(fp, "}}");
    }
    fprintf(fp, "\n  ]\n}\n");
    base_free(firsts);
    return base_write_status(fp);
}

static int is_ok(const xp_point *p)
{
    return p->status == PT_OK;
}
static int is_ap_ok(const xp_point *p)
{
    return p->status == PT_OK && p->tech != NO_TECH;
}

/* One plot line per network: "script|points.csv|stem[_network]|title|series...|extra". */
static void plot_lines(FILE *fp, const sweep_out *o, size_t *firsts, const char *script,
                       const char *what, int (*want)(const xp_point *), int need_top1,
                       const char *extra)
{
    const study_experiment *e = o->e;
    for (size_t ni = 0; ni < e->n_nets; ni++) {
        size_t n = series_firsts(o, firsts, want), shown = 0;
        for (size_t s = 0; s < n; s++) {
            /* Keep the series with at least one usable point of this network. */
            int used = 0;
            for (size_t i = 0; i < e->n_points && !used; i++) {
                const xp_point *p = &o->pts[i];
                used = p->net == ni && want(p) &&
                       strcmp(p->series, o->pts[firsts[s]].series) == 0 &&
                       (!need_top1 || !isnan(e->top1[p->net * e->n_bits + p->bits]));
            }
            if (used)
                firsts[shown++] = firsts[s];
        }
        if (shown == 0)
            continue;
        fprintf(fp, "%s|points.csv|%s%s%s|%s: %s (%s, batch", script, script,
                e->n_nets > 1 ? "_" : "", e->n_nets > 1 ? e->nets[ni]->name : "", e->nets[ni]->name,
                what, e->arch.name);
        for (size_t b = 0; b < e->n_batch; b++)
            fprintf(fp, "%s%u", b ? "," : " ", e->batch[b]);
        int rivals = 0;
        for (size_t a = 0; a < e->n_accels; a++)
            rivals |= e->accels[a].model != NULL;
        fprintf(fp, "%s)|", rivals && want == is_ok ? "; rivals: conv/fc only" : "");
        for (size_t s = 0; s < shown; s++)
            fprintf(fp, "%s%s", s ? " " : "", o->pts[firsts[s]].series);
        fprintf(fp, "%s%s\n", extra ? "|" : "", extra ? extra : "");
    }
}

static base_status write_plots(FILE *fp, const void *ctx)
{
    const sweep_out *o = ctx;
    const study_experiment *e = o->e;
    size_t *firsts = base_calloc(e->n_points, sizeof *firsts);
    if (!firsts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (e->plots & PLOT_EDP_ACCURACY)
        plot_lines(fp, o, firsts, "edp_accuracy", "EDP versus ImageNet top-1 accuracy", is_ok, 1,
                   "front.csv");
    if (e->plots & PLOT_EDP_VDD)
        plot_lines(fp, o, firsts, "edp_vdd", "latency, energy and EDP versus Vdd", is_ap_ok, 0,
                   NULL);
    if (e->plots & PLOT_BATCH)
        plot_lines(fp, o, firsts, "batch", "throughput and energy versus batch size", is_ap_ok, 0,
                   NULL);
    if ((e->plots & PLOT_LAYER_ENERGY) && o->layers_res) {
        const xp_point *p = &e->points[e->layers_point];
        fprintf(fp,
                "layer_energy|layers.csv|layer_energy|%s, %s on %s at %.2f V, batch %u: "
                "energy per layer|-\n",
                e->nets[p->net]->name, bits_name(e, p), e->techs[p->tech]->name, p->vdd_v,
                e->batch[p->batch]);
    }
    base_free(firsts);
    return base_write_status(fp);
}

static base_status write_layers(FILE *fp, const void *ctx)
{
    const sweep_out *o = ctx;
    return sim_result_write_layers_csv(fp, o->layers_plan, o->layers_res);
}

/* sep then v with 4 significant digits, or just sep for NaN. */
static void eff_num(FILE *fp, const char *sep, double v)
{
    fputs(sep, fp);
    if (!isnan(v))
        fprintf(fp, "%.4g", v);
}

/* The efficiency table: every AP point next to the published figures of other in-memory
 * accelerators (csv = 1) or the same as a Markdown table (csv = 0). */
static base_status write_efficiency(FILE *fp, const sweep_out *o, int csv)
{
    const study_experiment *e = o->e;
    const char *sep = csv ? "," : " | ";
    if (csv)
        fputs("source,system,network,bits,label,technology,vdd_v,batch,tops_per_w,"
              "gops_per_mm2,inferences_per_s,note\n",
              fp);
    else
        fprintf(fp, "| source | system | network | bits | technology | Vdd (V) | batch | "
                    "TOPS/W | GOPS/s/mm2 | inferences/s | note |\n"
                    "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < e->n_points; i++) {
        const xp_point *p = &o->pts[i];
        size_t k = p->net * e->n_bits + p->bits;
        if (!is_ap_ok(p))
            continue;
        fprintf(fp, "%sapsim%sap/%s%s%s%s%s", csv ? "" : "| ", sep, e->techs[p->tech]->name, sep,
                e->nets[p->net]->name, sep, bits_name(e, p));
        if (csv)
            fprintf(fp, ",%s", e->labels[k]);
        fprintf(fp, "%s%s%s%.3f%s%u", sep, e->techs[p->tech]->name, sep, p->vdd_v, sep,
                e->batch[p->batch]);
        eff_num(fp, sep, p->tops_per_w);
        eff_num(fp, sep, p->gops_per_mm2);
        eff_num(fp, sep, p->inf_s);
        fprintf(fp, "%s%s\n", sep, csv ? "model" : "model |");
    }
    for (size_t i = 0; i < e->n_pub; i++) {
        const xp_published *p = &e->pub[i];
        char note[512];
        snprintf(note, sizeof note, "%s%s", p->relative ? "relative only: " : "published",
                 p->relative ? p->relative : "");
        for (char *q = note; *q; q++)
            if (*q == ',' || *q == '|')
                *q = ';';
        if (csv)
            fprintf(fp, "\"%s\",%s,-,-,-,-,,", p->source, p->name);
        else
            fprintf(fp, "| %s | %s | - | - | - | - | -", p->source, p->name);
        eff_num(fp, sep, p->gops_per_w * 1e-3);
        eff_num(fp, sep, p->gops_per_mm2);
        fprintf(fp, "%s%s%s%s\n", sep, sep, note, csv ? "" : " |");
    }
    return base_write_status(fp);
}

static base_status write_eff_csv(FILE *fp, const void *ctx)
{
    return write_efficiency(fp, ctx, 1);
}
static base_status write_eff_md(FILE *fp, const void *ctx)
{
    return write_efficiency(fp, ctx, 0);
}

/* Marks Pareto points per series (pareto 1, every other point 0) and lists them sorted by
 * series (first appearance), then accuracy. */
static base_status mark_fronts(sweep_out *o)
{
    const study_experiment *e = o->e;
    size_t n = e->n_points;
    double *acc = base_calloc(n, sizeof *acc), *edp = base_calloc(n, sizeof *edp);
    int *on = base_calloc(n, sizeof *on);
    size_t *idx = base_calloc(n, sizeof *idx), *firsts = base_calloc(n, sizeof *firsts);
    base_status st = BASE_OK;
    if (!acc || !edp || !on || !idx || !firsts) {
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
        goto free_all;
    }
    o->front = idx;
    for (size_t i = 0; i < n; i++)
        o->pts[i].pareto = 0;
    size_t n_series = series_firsts(o, firsts, NULL);
    for (size_t s = 0; s < n_series; s++) {
        size_t m = 0;
        const char *name = o->pts[firsts[s]].series;
        for (size_t i = 0; i < n; i++) {
            const xp_point *p = &o->pts[i];
            if (strcmp(p->series, name) != 0)
                continue;
            acc[m] = p->status == PT_OK ? e->top1[p->net * e->n_bits + p->bits] : (double)NAN;
            edp[m] = p->status == PT_OK ? p->latency_ns * p->energy_pj : (double)NAN;
            m++;
        }
        study_pareto_mark(acc, edp, m, on);
        size_t start = o->n_front;
        m = 0;
        for (size_t i = 0; i < n; i++) {
            xp_point *p = &o->pts[i];
            if (strcmp(p->series, name) != 0)
                continue;
            if (on[m]) {
                p->pareto = 1;
                /* insertion by accuracy (then EDP) keeps the front ready to draw */
                size_t j = o->n_front++;
                double a = e->top1[p->net * e->n_bits + p->bits];
                while (j > start) {
                    const xp_point *q = &o->pts[idx[j - 1]];
                    double b = e->top1[q->net * e->n_bits + q->bits];
                    if (b < a ||
                        (b == a && q->latency_ns * q->energy_pj <= p->latency_ns * p->energy_pj))
                        break;
                    idx[j] = idx[j - 1];
                    j--;
                }
                idx[j] = i;
            }
            m++;
        }
    }
free_all:
    base_free(acc);
    base_free(edp);
    base_free(on);
    base_free(firsts);
    if (st != BASE_OK)
        base_free(idx), o->front = NULL;
    return st;
}

/* Writes every output to a temporary file first, then renames them all: a failure on any
 * leaves the previous outputs (or none) in place. */
static base_status write_outputs(const char *dir, sweep_out *o)
{
    const base_output outs[] = {
        {"points.csv", write_points, 1},
        {"front.csv", write_front, 1},
        {"summary.json", write_summary, 1},
        {"plots.list", write_plots, 1},
        {"layers.csv", write_layers, o->layers_res != NULL},
        {"efficiency.csv", write_eff_csv, o->e->n_pub > 0},
        {"efficiency.md", write_eff_md, o->e->n_pub > 0},
    };
    return base_write_set(dir, outs, sizeof outs / sizeof outs[0], o);
}

/* Evaluates the layers_for point again and keeps its plan and result for layers.csv. */
static base_status layers_result(const study_experiment *e, const xp_point *pts, sim_plan **plan,
                                 sim_result **res)
{
    const xp_point *p = &pts[e->layers_point];
    sim_arch arch = e->arch;
    if (!e->has_layers || p->status != PT_OK)
        return BASE_OK;
    arch.batch = e->batch[p->batch];
    base_status st =
        sim_plan_new(e->nets[p->net], e->cfgs[p->net * e->n_bits + p->bits], &arch, plan);
    if (st == BASE_OK)
        st = sim_result_new(*plan, res);
    if (st == BASE_OK)
        st = sim_plan_eval(*plan, e->techs[p->tech], p->vdd_v, *res);
    return st;
}

base_status study_sweep_run(const study_experiment *e, const study_sweep_opts *opts,
                            study_sweep_stats *stats)
{
    study_sweep_stats local;
    study_sweep_opts defaults = {0};
    plan_cache cache = {0};
    sweep_out o = {.e = e};
    sim_plan *lplan = NULL;
    sim_result *lres = NULL;
    FILE *journal = NULL;
    char jpath[4200];
    size_t n_new = 0;
    if (!stats)
        stats = &local;
    if (!opts)
        opts = &defaults;
    memset(stats, 0, sizeof *stats);
    stats->n_points = e->n_points;
    int n = snprintf(stats->out_dir, sizeof stats->out_dir, "%s/%s",
                     opts->results_dir ? opts->results_dir : "results", e->name);
    if (n < 0 || (size_t)n >= sizeof stats->out_dir)
        return BASE_ERROR(BASE_EINVAL, "results directory name too long");
    snprintf(jpath, sizeof jpath, "%s/.journal.csv", stats->out_dir);
    o.pts = base_calloc(e->n_points, sizeof *o.pts);
    if (!o.pts)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    memcpy(o.pts, e->points, e->n_points * sizeof *o.pts);
    base_status st = base_mkdir_p(stats->out_dir);
    if (st == BASE_OK)
        st = journal_open(e, jpath, o.pts, &stats->n_resumed, &journal);
    size_t done = stats->n_resumed;
    if (st == BASE_OK && opts->progress)
        opts->progress(done, e->n_points, opts->progress_ctx);
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++) {
        xp_point *p = &o.pts[i];
        if (p->done)
            continue;
        if (opts->stop_after && n_new == opts->stop_after) {
            st = BASE_ERROR(BASE_EIO, "sweep stopped after %zu points (test hook); rerun to resume",
                            n_new);
            break;
        }
        st = p->tech == NO_TECH ? eval_rival(e, p) : eval_ap(e, &cache, p);
        if (st != BASE_OK)
            break;
        p->done = 1;
        journal_write(journal, i, p);
        n_new++;
        done++;
        if (opts->progress)
            opts->progress(done, e->n_points, opts->progress_ctx);
    }
    stats->n_evaluated = n_new;
    stats->n_plans = cache.n_built;
    cache_drop(&cache);
    if (journal && fclose(journal) != 0 && st == BASE_OK)
        st = base_error_at(BASE_EIO, jpath, 0, 0, "cannot write the sweep journal");
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++) {
        make_series(e, &o.pts[i]);
        stats->n_unsupported += o.pts[i].status != PT_OK;
        stats->n_nofit += o.pts[i].status == PT_NOFIT;
    }
    if (e->has_layers && o.pts[e->layers_point].status != PT_OK)
        stats->layers_skipped = STATUS_NAMES[o.pts[e->layers_point].status];
    if (st == BASE_OK)
        st = mark_fronts(&o);
    if (st == BASE_OK)
        st = layers_result(e, o.pts, &lplan, &lres);
    o.layers_plan = lplan;
    o.layers_res = lres;
    if (st == BASE_OK)
        st = write_outputs(stats->out_dir, &o);
    if (st == BASE_OK && remove(jpath) != 0)
        st = base_error_at(BASE_EIO, jpath, 0, 0, "cannot remove the sweep journal: %s",
                           strerror(errno));
    sim_result_free(lres);
    sim_plan_free(lplan);
    base_free(o.front);
    base_free(o.pts);
    return st;
}
