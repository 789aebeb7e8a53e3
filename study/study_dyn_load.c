/* study_dyn_load.c - loading a dynamic-precision schedule (docs/DYNAMIC.md): its kind (per
 * request, cascade, per layer), the platform (network, technology, voltage, architecture,
 * batch), the rivals, the configs with their top-1 figures and the requests or cascade,
 * strictly (every bad entry a file:line:col error). Relative paths are looked up next to the
 * schedule first. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "study/study_impl.h"
#include "tech/tech.h"

static const char *const kind_names[] = {"per_request", "cascade", "per_layer"};

const char *study_dyn_kind_name(study_dyn_kind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

void study_dyn_free(study_dyn_schedule *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_configs; i++) {
        base_free(s->configs[i].name);
        base_free(s->configs[i].spec);
        net_bitcfg_free(s->configs[i].bits);
    }
    base_free(s->configs);
    base_free(s->requests);
    base_free(s->fractions);
    net_free(s->net);
    tech_params_free(s->tech);
    base_free(s->path);
    base_free(s->name);
    base_free(s);
}

/* A relative path in a schedule (or a bare name of a file next to it) is taken relative to
 * the schedule's directory; shipped names and absolute paths stay as given. Writes the
 * chosen text into buf. */
static const char *near_schedule(const char *sched_path, const char *spec, char *buf, size_t cap)
{
    const char *slash = strrchr(sched_path, '/');
    struct stat sb;
    if (spec[0] != '/' && slash) {
        int n = snprintf(buf, cap, "%.*s/%s", (int)(slash - sched_path), sched_path, spec);
        if (n > 0 && (size_t)n < cap && (base_is_pathlike(spec) || stat(buf, &sb) == 0))
            return buf;
    }
    snprintf(buf, cap, "%s", spec);
    return buf;
}

static base_status str_key(const cfg_node *map, const char *key, const char *what, const char **out)
{
    const cfg_node *v;
    base_status st = cfg_map_require(map, key, what, &v);
    if (st == BASE_OK)
        st = cfg_to_str(v, out);
    if (st == BASE_OK && (*out)[0] == '\0')
        st = cfg_error(v, BASE_EINVAL, "empty '%s' in '%s'", key, what);
    return st;
}

static int find_config(const study_dyn_schedule *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->configs[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Looks a config name up among the scheduled configs (not the static reference points). */
static base_status config_ref(const study_dyn_schedule *s, size_t n_sched, const cfg_node *n,
                              int *out)
{
    const char *name;
    base_status st = cfg_to_str(n, &name);
    if (st != BASE_OK)
        return st;
    *out = find_config(s, n_sched, name);
    if (*out < 0)
        return cfg_error(n, BASE_ENOTFOUND, "unknown config '%s' (not listed under 'configs')",
                         name);
    return BASE_OK;
}

static base_status load_config(study_dyn_schedule *s, const cfg_node *e, int is_static)
{
    static const char *const keys[] = {"name", "bits", "top1", NULL};
    const char *what = is_static ? "static" : "configs";
    const char *name, *spec;
    char buf[4096];
    base_status st = cfg_map_check(e, what, keys);
    if (st == BASE_OK)
        st = str_key(e, "name", what, &name);
    if (st == BASE_OK)
        st = str_key(e, "bits", what, &spec);
    if (st != BASE_OK)
        return st;
    if (find_config(s, s->n_configs, name) >= 0)
        return cfg_error(cfg_map_get(e, "name"), BASE_EINVAL, "duplicate config name '%s'", name);
    study_dyn_config *c = &s->configs[s->n_configs];
    c->is_static = is_static;
    c->name = base_strdup(name);
    c->spec = base_strdup(spec);
    s->n_configs++;
    if (!c->name || !c->spec)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", s->path);
    st = net_bitcfg_resolve(near_schedule(s->path, spec, buf, sizeof buf), s->net, &c->bits);
    if (st != BASE_OK)
        return cfg_error_at_node(cfg_map_get(e, "bits"), st, "config");
    const cfg_node *top1 = cfg_map_get(e, "top1");
    if (top1)
        return cfg_to_double(top1, 0, 100, &c->top1_pct);
    if (!c->bits->has_top1)
        return cfg_error(e, BASE_EKEY,
                         "config '%s' has no published top-1 accuracy: give 'top1' (percent)",
                         name);
    c->top1_pct = c->bits->top1_pct;
    return BASE_OK;
}

static base_status load_configs(study_dyn_schedule *s, const cfg_node *root)
{
    const cfg_node *cs, *ss = cfg_map_get(root, "static");
    base_status st = cfg_map_require(root, "configs", "schedule", &cs);
    if (st == BASE_OK)
        st = cfg_expect(cs, CFG_SEQ, "configs");
    if (st == BASE_OK && ss)
        st = cfg_expect(ss, CFG_SEQ, "static");
    if (st != BASE_OK)
        return st;
    if (cfg_node_len(cs) == 0)
        return cfg_error(cs, BASE_EINVAL, "empty 'configs': a schedule needs at least one");
    size_t n = cfg_node_len(cs) + (ss ? cfg_node_len(ss) : 0);
    s->configs = base_calloc(n, sizeof *s->configs);
    if (!s->configs)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", s->path);
    for (size_t i = 0; st == BASE_OK && i < cfg_node_len(cs); i++)
        st = load_config(s, cfg_seq_at(cs, i), 0);
    for (size_t i = 0; st == BASE_OK && ss && i < cfg_node_len(ss); i++)
        st = load_config(s, cfg_seq_at(ss, i), 1);
    return st;
}

#define MAX_REQUESTS 1000000L

static base_status positive_budget(const cfg_node *e, const char *key, double *out)
{
    *out = 0;
    return cfg_get_double(e, key, 1e-9, 1e12, out);
}

/* Reads the requests list; first pass counts (to allocate once), second fills. */
static base_status load_requests(study_dyn_schedule *s, const cfg_node *root, size_t n_sched)
{
    static const char *const keys[] = {"config", "cycle", "budget_ms", "budget_mj", "repeat", NULL};
    const cfg_node *rs;
    base_status st = cfg_map_require(root, "requests", "schedule", &rs);
    if (st == BASE_OK)
        st = cfg_expect(rs, CFG_SEQ, "requests");
    if (st != BASE_OK)
        return st;
    if (cfg_node_len(rs) == 0)
        return cfg_error(rs, BASE_EINVAL, "empty 'requests': a schedule needs at least one");
    long total = 0;
    for (size_t i = 0; i < cfg_node_len(rs); i++) {
        const cfg_node *e = cfg_seq_at(rs, i), *cy = cfg_map_get(e, "cycle");
        long repeat = 1;
        if ((st = cfg_map_check(e, "requests", keys)) != BASE_OK ||
            (st = cfg_get_long(e, "repeat", 1, MAX_REQUESTS, &repeat)) != BASE_OK)
            return st;
        int has_budget = cfg_map_get(e, "budget_ms") || cfg_map_get(e, "budget_mj");
        int n_forms = (cfg_map_get(e, "config") != NULL) + (cy != NULL) + has_budget;
        if (n_forms != 1)
            return cfg_error(e, BASE_EINVAL,
                             "a request needs exactly one of 'config', 'cycle' or a budget "
                             "('budget_ms', 'budget_mj')");
        long per = 1;
        if (cy) {
            if ((st = cfg_expect(cy, CFG_SEQ, "cycle")) != BASE_OK)
                return st;
            if (cfg_node_len(cy) == 0)
                return cfg_error(cy, BASE_EINVAL, "empty 'cycle'");
            per = (long)cfg_node_len(cy);
        }
        total += per * repeat;
        if (total > MAX_REQUESTS)
            return cfg_error(e, BASE_ERANGE, "more than %ld requests", MAX_REQUESTS);
    }
    s->requests = base_calloc((size_t)total, sizeof *s->requests);
    if (!s->requests)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", s->path);
    for (size_t i = 0; i < cfg_node_len(rs); i++) {
        const cfg_node *e = cfg_seq_at(rs, i), *cy = cfg_map_get(e, "cycle");
        const cfg_node *cn = cfg_map_get(e, "config");
        long repeat = 1;
        study_dyn_request r = {-1, 0, 0};
        int cyc[64];
        size_t n_cyc = cy ? cfg_node_len(cy) : 0;
        if (n_cyc > sizeof cyc / sizeof cyc[0])
            return cfg_error(cy, BASE_ERANGE, "a cycle holds at most %zu configs",
                             sizeof cyc / sizeof cyc[0]);
        if ((st = cfg_get_long(e, "repeat", 1, MAX_REQUESTS, &repeat)) != BASE_OK ||
            (st = positive_budget(e, "budget_ms", &r.budget_ms)) != BASE_OK ||
            (st = positive_budget(e, "budget_mj", &r.budget_mj)) != BASE_OK)
            return st;
        if (cn && (st = config_ref(s, n_sched, cn, &r.config)) != BASE_OK)
            return st;
        for (size_t k = 0; k < n_cyc; k++)
            if ((st = config_ref(s, n_sched, cfg_seq_at(cy, k), &cyc[k])) != BASE_OK)
                return st;
        for (long k = 0; k < repeat; k++) {
            if (!cy) {
                s->requests[s->n_requests++] = r;
                continue;
            }
            for (size_t j = 0; j < n_cyc; j++) {
                r.config = cyc[j];
                s->requests[s->n_requests++] = r;
            }
        }
    }
    return BASE_OK;
}

size_t study_dyn_rerun_count(double fraction, size_t n)
{
    return (size_t)floor(fraction * (double)n + 0.5);
}

static base_status load_cascade(study_dyn_schedule *s, const cfg_node *root, size_t n_sched)
{
    static const char *const keys[] = {"low", "high", "inputs", "fractions", NULL};
    const cfg_node *c, *low, *high, *fr;
    long inputs = 0;
    base_status st = cfg_map_require(root, "cascade", "schedule", &c);
    if (st == BASE_OK)
        st = cfg_map_check(c, "cascade", keys);
    if (st == BASE_OK)
        st = cfg_map_require(c, "low", "cascade", &low);
    if (st == BASE_OK)
        st = cfg_map_require(c, "high", "cascade", &high);
    if (st == BASE_OK)
        st = cfg_map_require(c, "fractions", "cascade", &fr);
    if (st == BASE_OK && !cfg_map_get(c, "inputs"))
        st = cfg_error(c, BASE_EKEY, "missing key 'inputs' in 'cascade'");
    if (st == BASE_OK)
        st = cfg_get_long(c, "inputs", 1, MAX_REQUESTS / 2, &inputs);
    if (st == BASE_OK)
        st = config_ref(s, n_sched, low, &s->cascade_low);
    if (st == BASE_OK)
        st = config_ref(s, n_sched, high, &s->cascade_high);
    if (st == BASE_OK && s->cascade_low == s->cascade_high)
        st = cfg_error(high, BASE_EINVAL, "cascade 'low' and 'high' name the same config");
    if (st == BASE_OK)
        st = cfg_expect(fr, CFG_SEQ, "fractions");
    if (st != BASE_OK)
        return st;
    if (cfg_node_len(fr) == 0)
        return cfg_error(fr, BASE_EINVAL, "empty 'fractions'");
    s->n_inputs = (size_t)inputs;
    s->fractions = base_calloc(cfg_node_len(fr), sizeof *s->fractions);
    if (!s->fractions)
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", s->path);
    for (size_t i = 0; i < cfg_node_len(fr); i++) {
        const cfg_node *f = cfg_seq_at(fr, i);
        if ((st = cfg_to_double(f, 0, 1, &s->fractions[i])) != BASE_OK)
            return st;
        size_t k = study_dyn_rerun_count(s->fractions[i], s->n_inputs);
        for (size_t j = 0; j < i; j++)
            if (study_dyn_rerun_count(s->fractions[j], s->n_inputs) == k)
                return cfg_error(f, BASE_EINVAL,
                                 "fraction %g re-runs %zu of %zu inputs, as fraction %g before "
                                 "it does: give distinct fractions",
                                 s->fractions[i], k, s->n_inputs, s->fractions[j]);
        s->n_fractions++;
    }
    return BASE_OK;
}

static base_status load_rivals(study_dyn_schedule *s, const cfg_node *root)
{
    const cfg_node *rv = cfg_map_get(root, "rivals");
    base_status st;
    if (!rv) { /* default: every model accel/ ships */
        for (size_t i = 0; i < acc_model_count() && i < STUDY_DYN_MAX_RIVALS; i++)
            s->rivals[s->n_rivals++] = acc_model_at(i);
        return BASE_OK;
    }
    if ((st = cfg_expect(rv, CFG_SEQ, "rivals")) != BASE_OK)
        return st;
    if (cfg_node_len(rv) > STUDY_DYN_MAX_RIVALS)
        return cfg_error(rv, BASE_ERANGE, "at most %d rivals", STUDY_DYN_MAX_RIVALS);
    for (size_t i = 0; i < cfg_node_len(rv); i++) {
        const cfg_node *n = cfg_seq_at(rv, i);
        const char *name;
        const acc_model *m;
        if ((st = cfg_to_str(n, &name)) != BASE_OK)
            return st;
        if (acc_model_find(name, &m) != BASE_OK)
            return cfg_error(n, BASE_ENOTFOUND,
                             "unknown rival '%s' (sparq, potacc, bitsys or axbxp)", name);
        for (size_t j = 0; j < s->n_rivals; j++)
            if (s->rivals[j] == m)
                return cfg_error(n, BASE_EINVAL, "rival '%s' listed twice", name);
        s->rivals[s->n_rivals++] = m;
    }
    return BASE_OK;
}

/* The network: `network:` at `input_shape:` (optional), or at the caller's shape when given. */
static base_status load_network(study_dyn_schedule *s, const cfg_node *root,
                                const net_input_shape *given)
{
    const char *net_name;
    char buf[4096], path[4096];
    net_load_opts opts = {0};
    const cfg_node *shape = cfg_map_get(root, "input_shape");
    base_status st = str_key(root, "network", "schedule", &net_name);
    if (st == BASE_OK && given && given->n_dims)
        opts.input_shape = *given;
    else if (st == BASE_OK && shape)
        st = net_input_shape_from_cfg(shape, &opts.input_shape);
    if (st != BASE_OK)
        return st;
    st = net_find_builtin(near_schedule(s->path, net_name, buf, sizeof buf), path, sizeof path);
    if (st == BASE_OK)
        st = net_load_with(path, &opts, &s->net);
    if (st != BASE_OK)
        return cfg_error_at_node(cfg_map_get(root, "network"), st, "network");
    return BASE_OK;
}

static base_status load_platform(study_dyn_schedule *s, const cfg_node *root,
                                 const net_input_shape *given)
{
    const char *tech_name = SIM_DEFAULT_TECH, *arch_name = SIM_DEFAULT_ARCH;
    char buf[4096];
    base_status st = load_network(s, root, given);
    if (st != BASE_OK)
        return st;
    if ((st = cfg_get_str(root, "tech", &tech_name)) != BASE_OK)
        return st;
    st = tech_open(near_schedule(s->path, tech_name, buf, sizeof buf), &s->tech);
    if (st != BASE_OK)
        return cfg_map_get(root, "tech") ? cfg_error_at_node(cfg_map_get(root, "tech"), st, "tech")
                                         : st;
    if ((st = cfg_get_str(root, "arch", &arch_name)) != BASE_OK)
        return st;
    st = sim_arch_find(near_schedule(s->path, arch_name, buf, sizeof buf), &s->arch);
    if (st != BASE_OK)
        return cfg_map_get(root, "arch") ? cfg_error_at_node(cfg_map_get(root, "arch"), st, "arch")
                                         : st;
    if (s->arch.kind == SIM_ARCH_MEASURED)
        return cfg_error(cfg_map_get(root, "arch"), BASE_EUNSUPPORTED,
                         "arch '%s' is a measured chip: schedules run on an AP architecture "
                         "(compare the chip with `apsim sweep`)",
                         arch_name);
    long batch = s->arch.batch;
    if ((st = cfg_get_long(root, "batch", 1, 65536, &batch)) != BASE_OK)
        return st;
    s->arch.batch = (unsigned)batch;
    s->vdd_v = s->tech->vdd_nom_v.value;
    const cfg_node *vn = cfg_map_get(root, "vdd_v");
    if (vn) {
        tech_at_vdd at;
        if ((st = cfg_to_double(vn, 0.05, 10.0, &s->vdd_v)) != BASE_OK)
            return st;
        if ((st = tech_scale(s->tech, s->vdd_v, &at)) != BASE_OK)
            return cfg_error_at_node(vn, st, "vdd_v");
    }
    return BASE_OK;
}

static base_status load_doc(study_dyn_schedule *s, const cfg_doc *doc, const net_input_shape *given)
{
    static const char *const common[] = {"name",   "kind",     "network", "input_shape", "tech",
                                         "vdd_v",  "arch",     "batch",   "rivals",      "configs",
                                         "static", "requests", NULL};
    static const char *const cascade[] = {"name",   "kind",    "network", "input_shape", "tech",
                                          "vdd_v",  "arch",    "batch",   "rivals",      "configs",
                                          "static", "cascade", NULL};
    const cfg_node *root = cfg_doc_root(doc), *kn;
    const char *kind, *name;
    base_status st = cfg_expect(root, CFG_MAP, "schedule");
    if (st == BASE_OK)
        st = str_key(root, "kind", "schedule", &kind);
    if (st != BASE_OK)
        return st;
    kn = cfg_map_get(root, "kind");
    size_t k;
    for (k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++)
        if (strcmp(kind, kind_names[k]) == 0)
            break;
    if (k == sizeof kind_names / sizeof kind_names[0])
        return cfg_error(kn, BASE_EINVAL,
                         "unknown schedule kind '%s' (per_request, cascade or per_layer)", kind);
    s->kind = (study_dyn_kind)k;
    st = cfg_map_check(root, "schedule", s->kind == STUDY_DYN_CASCADE ? cascade : common);
    if (st == BASE_OK)
        st = str_key(root, "name", "schedule", &name);
    if (st == BASE_OK && !(s->name = base_strdup(name)))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", s->path);
    if (st == BASE_OK)
        st = load_platform(s, root, given);
    if (st == BASE_OK)
        st = load_rivals(s, root);
    if (st == BASE_OK)
        st = load_configs(s, root);
    while (s->n_sched < s->n_configs && !s->configs[s->n_sched].is_static)
        s->n_sched++;
    size_t n_sched = s->n_sched;
    if (st == BASE_OK && s->kind == STUDY_DYN_CASCADE)
        st = load_cascade(s, root, n_sched);
    else if (st == BASE_OK)
        st = load_requests(s, root, n_sched);
    return st;
}

static base_status load_common(const char *name, cfg_doc *doc, base_status st,
                               const net_input_shape *given, study_dyn_schedule **out)
{
    *out = NULL;
    if (st != BASE_OK)
        return st;
    study_dyn_schedule *s = base_calloc(1, sizeof *s);
    if (!s || !(s->path = base_strdup(name))) {
        base_free(s);
        cfg_doc_free(doc);
        return BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", name);
    }
    st = load_doc(s, doc, given);
    cfg_doc_free(doc);
    if (st != BASE_OK) {
        study_dyn_free(s);
        return st;
    }
    *out = s;
    return BASE_OK;
}

base_status study_dyn_load_shape(const char *path, const net_input_shape *shape,
                                 study_dyn_schedule **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(path, &doc);
    return load_common(path, doc, st, shape, out);
}

base_status study_dyn_load(const char *path, study_dyn_schedule **out)
{
    return study_dyn_load_shape(path, NULL, out);
}

base_status study_dyn_load_string(const char *name, const char *text, size_t len,
                                  study_dyn_schedule **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load_string(name, text, len, &doc);
    return load_common(name, doc, st, NULL, out);
}
