/* study_dynamic.c - dynamic mixed precision: run-time precision schedules (per request, cascade,
 * per-layer mixes) loaded from YAML and evaluated on the AP, on the AP fixed at the maximum
 * precision and on the rival models of accel/ with their mode-switch costs. The AP side is
 * BF-IMNA's claim (arXiv 2411.01417): precision changes with no reconfiguration; the model
 * and its assumptions (weight storage, cascade accuracy) are in docs/DYNAMIC.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg/cfg.h"
#include "study/study.h"
#include "tech/tech.h"

/* A figure that does not apply (printed as an empty CSV field or JSON null). */
#define NO_VALUE ((double)NAN)
/* Relative tolerance when a config's top-1 is compared with a schedule's mean accuracy. */
#define ACC_REL_TOL 1e-12

/* ---- Loading ------------------------------------------------------------------------------ */

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

/* A relative path in a schedule is looked up next to the schedule first, then as given
 * (current directory, shipped names). Writes the chosen text into buf. */
static const char *near_schedule(const char *sched_path, const char *spec, char *buf, size_t cap)
{
    size_t len = strlen(spec);
    int pathlike = strchr(spec, '/') || (len > 5 && strcmp(spec + len - 5, ".yaml") == 0);
    const char *slash = strrchr(sched_path, '/');
    struct stat sb;
    if (pathlike && spec[0] != '/' && slash) {
        int n = snprintf(buf, cap, "%.*s/%s", (int)(slash - sched_path), sched_path, spec);
        if (n > 0 && (size_t)n < cap && stat(buf, &sb) == 0)
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

/* Inputs of n re-run at high precision for a cascade fraction (nearest whole number). */
static size_t rerun_count(double fraction, size_t n)
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
        size_t k = rerun_count(s->fractions[i], s->n_inputs);
        for (size_t j = 0; j < i; j++)
            if (rerun_count(s->fractions[j], s->n_inputs) == k)
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

static base_status load_platform(study_dyn_schedule *s, const cfg_node *root)
{
    const char *net_name, *tech_name = SIM_DEFAULT_TECH, *arch_name = SIM_DEFAULT_ARCH;
    char buf[4096], path[4096];
    base_status st = str_key(root, "network", "schedule", &net_name);
    if (st == BASE_OK)
        st = net_find_builtin(near_schedule(s->path, net_name, buf, sizeof buf), path, sizeof path);
    if (st == BASE_OK)
        st = net_load(path, &s->net);
    if (st != BASE_OK)
        return cfg_error_at_node(cfg_map_get(root, "network"), st, "network");
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

static base_status load_doc(study_dyn_schedule *s, const cfg_doc *doc)
{
    static const char *const common[] = {"name",  "kind",   "network", "tech",   "vdd_v",    "arch",
                                         "batch", "rivals", "configs", "static", "requests", NULL};
    static const char *const cascade[] = {"name",  "kind",   "network", "tech",   "vdd_v",   "arch",
                                          "batch", "rivals", "configs", "static", "cascade", NULL};
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
        st = load_platform(s, root);
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
                               study_dyn_schedule **out)
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
    st = load_doc(s, doc);
    cfg_doc_free(doc);
    if (st != BASE_OK) {
        study_dyn_free(s);
        return st;
    }
    *out = s;
    return BASE_OK;
}

base_status study_dyn_load(const char *path, study_dyn_schedule **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load(path, &doc);
    return load_common(path, doc, st, out);
}

base_status study_dyn_load_string(const char *name, const char *text, size_t len,
                                  study_dyn_schedule **out)
{
    cfg_doc *doc = NULL;
    base_status st = cfg_doc_load_string(name, text, len, &doc);
    return load_common(name, doc, st, out);
}

/* ---- Evaluation --------------------------------------------------------------------------- */

/* A rival's cost of one config: compute, switches inside the network, and the first and last
 * GEMM layers (between requests the datapath switches from the last to the next first). */
typedef struct rival_cfg {
    int supported;
    char reason[256];
    double latency_ns, energy_pj;       /* layers, switches inside the network excluded */
    double sw_latency_ns, sw_energy_pj; /* switches inside the network */
    size_t n_switches;
    acc_layer first, last;
} rival_cfg;

typedef struct eval_ctx {
    const study_dyn_schedule *s;
    study_dyn_result *r;
    sim_accel acc[STUDY_DYN_MAX_RIVALS];
    rival_cfg *rc; /* [(n_configs + 1) x n_rivals]; row n_configs is the maximum config */
    acc_layer *layers;
} eval_ctx;

uint64_t study_dyn_plan_passes(const sim_plan *plan, const sim_result *res)
{
    uint64_t n = 0;
    for (size_t i = 0; i < res->n_layers; i++) {
        const sim_candidate *c = &sim_plan_layer(plan, i)->cand[res->layers[i].chosen];
        n += c->n_passes * c->n_folds;
    }
    return n;
}

static base_status ap_static(const study_dyn_schedule *s, const net_bitcfg *bits,
                             study_dyn_static *out)
{
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    base_status st = sim_plan_new(s->net, bits, &s->arch, &plan);
    if (st == BASE_OK)
        st = sim_result_new(plan, &res);
    if (st == BASE_OK)
        st = sim_plan_eval(plan, s->tech, s->vdd_v, res);
    if (st == BASE_OK) {
        out->latency_ns = res->latency_ns;
        out->energy_pj = res->energy_pj;
        out->edp_js = sim_edp_js(res->energy_pj, res->latency_ns);
        out->n_passes = study_dyn_plan_passes(plan, res);
    }
    sim_result_free(res);
    sim_plan_free(plan);
    return st;
}

/* A rival's cost of bits over the n GEMM layers already in c->layers. */
static base_status rival_eval(eval_ctx *c, size_t ri, const net_bitcfg *bits, size_t n,
                              rival_cfg *out)
{
    const acc_model *m = c->acc[ri].model;
    const acc_params *p = c->acc[ri].params;
    base_status st = BASE_OK;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        acc_cost k, sw;
        st = acc_layer_cost(m, p, &c->layers[i], &k);
        if (st == BASE_OK && i > 0)
            st = acc_mode_switch_cost(m, p, &c->layers[i - 1], &c->layers[i], &sw);
        if (st != BASE_OK)
            break;
        out->latency_ns += k.latency_ns;
        out->energy_pj += k.energy_pj;
        if (i > 0 && (sw.latency_ns > 0 || sw.energy_pj > 0)) {
            out->sw_latency_ns += sw.latency_ns;
            out->sw_energy_pj += sw.energy_pj;
            out->n_switches++;
        }
    }
    if (st == BASE_EUNSUPPORTED) {
        snprintf(out->reason, sizeof out->reason, "%s: %s", bits->scheme ? bits->scheme : "",
                 base_error_inner());
        base_error_clear();
        return BASE_OK;
    }
    if (st != BASE_OK)
        return st;
    out->supported = 1;
    out->first = c->layers[0];
    out->last = c->layers[n - 1];
    return BASE_OK;
}

/* Static AP figures of bits and every rival's cost of them (row[ri]); the GEMM layers are
 * built once for all rivals. */
static base_status config_costs(eval_ctx *c, const net_bitcfg *bits, study_dyn_static *ap,
                                rival_cfg *row)
{
    size_t n = 0;
    base_status st = ap_static(c->s, bits, ap);
    if (st == BASE_OK && c->s->n_rivals)
        st = sim_accel_layers(c->s->net, bits, c->s->arch.batch, c->layers, &n);
    if (st == BASE_OK && c->s->n_rivals && n == 0)
        st = BASE_ERROR(BASE_EINVAL, "network '%s' has no conv/fc layer", c->s->net->name);
    for (size_t ri = 0; st == BASE_OK && ri < c->s->n_rivals; ri++)
        st = rival_eval(c, ri, bits, n, &row[ri]);
    return st;
}

/* The per-layer maximum of every scheduled config: what a fixed-precision design must run. */
static base_status max_bits_new(const study_dyn_schedule *s, const int *used, net_bitcfg **out)
{
    net_bitcfg *m = base_calloc(1, sizeof *m);
    if (m) {
        m->name = base_strdup("fixed_max");
        m->scheme = base_strdup("fixed_max");
        m->bits = base_calloc(s->net->n_layers ? s->net->n_layers : 1, sizeof *m->bits);
    }
    if (!m || !m->name || !m->scheme || !m->bits) {
        net_bitcfg_free(m);
        return BASE_ERROR(BASE_ENOMEM, "out of memory for the maximum configuration");
    }
    m->format = NET_BITS_NATIVE;
    m->n_layers = s->net->n_layers;
    for (size_t c = 0; c < s->n_configs; c++) {
        const net_bitcfg *b = s->configs[c].bits;
        if (!used[c])
            continue;
        if (b->input_bits > m->input_bits)
            m->input_bits = b->input_bits;
        for (size_t i = 0; i < m->n_layers; i++) {
            net_layer_bits *x = &m->bits[i];
            const net_layer_bits *y = &b->bits[i];
            x->w_bits = y->w_bits > x->w_bits ? y->w_bits : x->w_bits;
            x->a_bits = y->a_bits > x->a_bits ? y->a_bits : x->a_bits;
            x->o_bits = y->o_bits > x->o_bits ? y->o_bits : x->o_bits;
        }
    }
    *out = m;
    return BASE_OK;
}

static int same_bits(const net_bitcfg *a, const net_bitcfg *b)
{
    if (a->input_bits != b->input_bits || a->n_layers != b->n_layers)
        return 0;
    for (size_t i = 0; i < a->n_layers; i++)
        if (a->bits[i].w_bits != b->bits[i].w_bits || a->bits[i].a_bits != b->bits[i].a_bits ||
            a->bits[i].o_bits != b->bits[i].o_bits)
            return 0;
    return 1;
}

static void storage_compute(const study_dyn_schedule *s, const int *used, study_dyn_storage *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < s->net->n_layers; i++) {
        const net_layer *l = &s->net->layers[i];
        unsigned seen[17] = {0}, wmax = 0;
        if (!net_kind_has_weights(l->kind))
            continue;
        for (size_t c = 0; c < s->n_configs; c++) {
            net_layer_bits b = s->configs[c].bits->bits[i];
            if (!used[c])
                continue;
            if (b.w_bits > wmax)
                wmax = b.w_bits;
            if (b.w_bits <= 16 && !seen[b.w_bits]) {
                seen[b.w_bits] = 1;
                st->per_precision_bits += (double)net_layer_param_bits(l, &b);
            }
        }
        net_layer_bits top = {wmax, 0, 0};
        st->msb_bits += (double)net_layer_param_bits(l, &top);
    }
    st->capacity_bits = (double)s->arch.n_maps * s->arch.map_rows * s->arch.map_cols;
    st->msb_fits = st->msb_bits <= st->capacity_bits;
    st->per_precision_fits = st->per_precision_bits <= st->capacity_bits;
}

/* Most accurate config that meets the budgets (ties: least EDP, then first listed); when none
 * does, the fastest (latency budget) or the most frugal (energy budget only), marked missed. */
static void pick_by_budget(const study_dyn_schedule *s, const study_dyn_result *r, size_t n_sched,
                           const study_dyn_request *q, int *config, int *met)
{
    int best = -1, fallback = 0;
    for (size_t c = 0; c < n_sched; c++) {
        const study_dyn_static *x = &r->statics[c];
        int fits = (q->budget_ms <= 0 || x->latency_ns * 1e-6 <= q->budget_ms) &&
                   (q->budget_mj <= 0 || x->energy_pj * 1e-9 <= q->budget_mj);
        if (fits && (best < 0 || s->configs[c].top1_pct > s->configs[best].top1_pct ||
                     (s->configs[c].top1_pct == s->configs[best].top1_pct &&
                      x->edp_js < r->statics[best].edp_js)))
            best = (int)c;
        const study_dyn_static *f = &r->statics[fallback];
        if (q->budget_ms > 0 ? x->latency_ns < f->latency_ns : x->energy_pj < f->energy_pj)
            fallback = (int)c;
    }
    *met = best >= 0;
    *config = best >= 0 ? best : fallback;
}

static void row_fill(const study_dyn_schedule *s, const study_dyn_result *r, study_dyn_row *row,
                     int config)
{
    row->config = config;
    row->latency_ns = r->statics[config].latency_ns;
    row->energy_pj = r->statics[config].energy_pj;
    row->n_passes = r->statics[config].n_passes;
    row->top1_pct = s->configs[config].top1_pct;
}

static int over_budget(const study_dyn_row *row, double latency_ns, double energy_pj)
{
    return (row->budget_ms > 0 && latency_ns * 1e-6 > row->budget_ms) ||
           (row->budget_mj > 0 && energy_pj * 1e-9 > row->budget_mj);
}

/* One design over one point. rival < 0: the AP; use_max: fixed at the maximum config, which
 * runs every input once (a cascade's re-run at the same precision would change nothing). */
static base_status walk(const eval_ctx *c, const study_dyn_point *pt, int rival, int use_max,
                        study_dyn_design *d)
{
    const study_dyn_result *r = c->r;
    const study_dyn_schedule *s = c->s;
    const rival_cfg *prev = NULL;
    d->supported = 1;
    for (size_t i = 0; i < pt->n_requests; i++) {
        const study_dyn_row *row = &r->rows[pt->first_row + i];
        if (use_max && row->rerun)
            continue;
        size_t cfg = use_max ? s->n_configs : (size_t)row->config;
        double lat, en;
        d->n_runs++;
        if (rival < 0) {
            const study_dyn_static *x = use_max ? &r->max_static : &r->statics[cfg];
            /* No switch term: an AP plan has no mode state, each request costs its passes. */
            lat = x->latency_ns;
            en = x->energy_pj;
        } else {
            const rival_cfg *k = &c->rc[cfg * s->n_rivals + (size_t)rival];
            if (!k->supported) {
                d->supported = 0;
                snprintf(d->reason, sizeof d->reason, "%s", k->reason);
                return BASE_OK;
            }
            acc_cost sw = {0};
            base_status st = prev ? acc_mode_switch_cost(c->acc[rival].model, c->acc[rival].params,
                                                         &prev->last, &k->first, &sw)
                                  : BASE_OK;
            if (st != BASE_OK)
                return st;
            lat = k->latency_ns + k->sw_latency_ns + sw.latency_ns;
            en = k->energy_pj + k->sw_energy_pj + sw.energy_pj;
            d->switch_latency_ns += k->sw_latency_ns + sw.latency_ns;
            d->switch_energy_pj += k->sw_energy_pj + sw.energy_pj;
            d->n_switches += k->n_switches + (sw.latency_ns > 0 || sw.energy_pj > 0);
            prev = k;
        }
        d->latency_ns += lat;
        d->energy_pj += en;
        d->n_missed += (size_t)over_budget(row, lat, en);
    }
    double n = (double)pt->n_inputs;
    d->edp_total_js = sim_edp_js(d->energy_pj, d->latency_ns);
    d->edp_per_input_js = d->edp_total_js / (n * n);
    d->top1_pct = use_max ? (r->max_config >= 0 ? s->configs[r->max_config].top1_pct : NO_VALUE)
                          : pt->top1_pct;
    return BASE_OK;
}

/* Relative difference in percent; rounding noise of summing n equal requests and dividing by
 * n again (|d| < 1e-9 %) reads as the exact zero it is. */
static double pct_diff(double x, double ref)
{
    double d = 100.0 * (x - ref) / ref;
    return fabs(d) < 1e-9 ? 0.0 : d;
}

static base_status point_designs(eval_ctx *c, study_dyn_point *pt)
{
    const study_dyn_schedule *s = c->s;
    study_dyn_design *d = pt->design;
    memset(d, 0, sizeof pt->design);
    snprintf(d[0].name, sizeof d[0].name, "ap_bit_fluid");
    snprintf(d[1].name, sizeof d[1].name, "ap_fixed_max");
    base_status st = walk(c, pt, -1, 0, &d[0]);
    if (st == BASE_OK)
        st = walk(c, pt, -1, 1, &d[1]);
    pt->n_designs = 2;
    for (size_t k = 0; st == BASE_OK && k < s->n_rivals; k++) {
        const char *name = acc_model_name(s->rivals[k]);
        study_dyn_design *a = &d[pt->n_designs++], *b = &d[pt->n_designs++];
        snprintf(a->name, sizeof a->name, "%s", name);
        snprintf(b->name, sizeof b->name, "%s_fixed_max", name);
        st = walk(c, pt, (int)k, 0, a);
        if (st == BASE_OK)
            st = walk(c, pt, (int)k, 1, b);
    }
    /* Best static: among every config (scheduled and reference points), the one of least AP
     * EDP per inference whose top-1 reaches the schedule's average accuracy. */
    pt->best_static = -1;
    double floor_pct = pt->top1_pct - ACC_REL_TOL * fabs(pt->top1_pct);
    for (size_t k = 0; k < s->n_configs; k++)
        if (s->configs[k].top1_pct >= floor_pct &&
            (pt->best_static < 0 ||
             c->r->statics[k].edp_js < c->r->statics[pt->best_static].edp_js))
            pt->best_static = (int)k;
    /* The mean is a weighted average of config accuracies, so some config reaches it; should
     * rounding still leave none, fall back to the most accurate config (least EDP on ties). */
    if (pt->best_static < 0) {
        pt->best_static = 0;
        for (size_t k = 1; k < s->n_configs; k++) {
            double a = s->configs[k].top1_pct, b = s->configs[pt->best_static].top1_pct;
            if (a > b ||
                (a == b && c->r->statics[k].edp_js < c->r->statics[pt->best_static].edp_js))
                pt->best_static = (int)k;
        }
    }
    pt->best_static_edp_js = c->r->statics[pt->best_static].edp_js;
    pt->edp_vs_best_static_pct = pct_diff(d[0].edp_per_input_js, pt->best_static_edp_js);
    return st;
}

/* Expands the schedule into rows: one point (requests) or one per cascade fraction. */
static base_status build_rows(eval_ctx *c, size_t n_sched)
{
    const study_dyn_schedule *s = c->s;
    study_dyn_result *r = c->r;
    size_t n_points = s->kind == STUDY_DYN_CASCADE ? s->n_fractions : 1, n_rows = 0;
    size_t *n_rerun = base_calloc(n_points, sizeof *n_rerun);
    size_t *n_per_cfg = base_calloc(s->n_configs, sizeof *n_per_cfg);
    if (!n_rerun || !n_per_cfg) {
        base_free(n_rerun);
        base_free(n_per_cfg);
        return BASE_ERROR(BASE_ENOMEM, "out of memory for the schedule");
    }
    for (size_t p = 0; p < n_points; p++) {
        if (s->kind == STUDY_DYN_CASCADE)
            n_rerun[p] = rerun_count(s->fractions[p], s->n_inputs);
        n_rows += s->kind == STUDY_DYN_CASCADE ? s->n_inputs + n_rerun[p] : s->n_requests;
    }
    r->rows = base_calloc(n_rows, sizeof *r->rows);
    r->points = base_calloc(n_points, sizeof *r->points);
    if (!r->rows || !r->points) {
        base_free(n_rerun);
        base_free(n_per_cfg);
        return BASE_ERROR(BASE_ENOMEM, "out of memory for the schedule");
    }
    r->n_points = n_points;
    for (size_t p = 0; p < n_points; p++) {
        study_dyn_point *pt = &r->points[p];
        pt->first_row = r->n_rows;
        pt->fraction = -1;
        if (s->kind != STUDY_DYN_CASCADE) {
            memset(n_per_cfg, 0, s->n_configs * sizeof *n_per_cfg);
            for (size_t i = 0; i < s->n_requests; i++) {
                const study_dyn_request *q = &s->requests[i];
                study_dyn_row *row = &r->rows[r->n_rows++];
                int cfg = q->config, met = 1;
                if (cfg < 0)
                    pick_by_budget(s, r, n_sched, q, &cfg, &met);
                row->index = row->input = i;
                row->budget_ms = q->budget_ms;
                row->budget_mj = q->budget_mj;
                row->met = met;
                row_fill(s, r, row, cfg);
                n_per_cfg[cfg]++;
            }
            /* Mean from per-config counts: exact to rounding whatever the request count. */
            double sum = 0;
            for (size_t k = 0; k < s->n_configs; k++)
                sum += (double)n_per_cfg[k] * s->configs[k].top1_pct;
            pt->n_inputs = pt->n_requests = s->n_requests;
            pt->top1_pct = sum / (double)s->n_requests;
        } else {
            size_t n = s->n_inputs, k = n_rerun[p];
            for (size_t i = 0; i < n; i++) {
                /* Re-runs spread evenly over the inputs (Bresenham), as a random choice
                 * would on average; input i is re-run right after its low pass. */
                int rerun = (i + 1) * k / n > i * k / n;
                for (int stage = 0; stage <= rerun; stage++) {
                    study_dyn_row *row = &r->rows[r->n_rows];
                    row->point = p;
                    row->index = r->n_rows - pt->first_row;
                    row->input = i;
                    row->rerun = stage;
                    row->met = 1;
                    row_fill(s, r, row, stage ? s->cascade_high : s->cascade_low);
                    r->n_rows++;
                }
            }
            pt->n_inputs = n;
            pt->n_rerun = k;
            pt->n_requests = n + k;
            pt->fraction = (double)k / (double)n;
            /* Accuracy model (docs/DYNAMIC.md): re-run inputs take the high config's
             * accuracy, the others the low one's. */
            pt->top1_pct = (1.0 - pt->fraction) * s->configs[s->cascade_low].top1_pct +
                           pt->fraction * s->configs[s->cascade_high].top1_pct;
        }
    }
    base_free(n_rerun);
    base_free(n_per_cfg);
    base_status st = BASE_OK;
    for (size_t p = 0; st == BASE_OK && p < n_points; p++)
        st = point_designs(c, &r->points[p]);
    return st;
}

void study_dyn_result_free(study_dyn_result *r)
{
    if (!r)
        return;
    base_free(r->statics);
    net_bitcfg_free(r->max_bits);
    base_free(r->rows);
    base_free(r->points);
    base_free(r);
}

base_status study_dyn_eval(const study_dyn_schedule *s, study_dyn_result **out)
{
    eval_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    *out = NULL;
    size_t n_sched = s->n_sched;
    int *used = base_calloc(s->n_configs, sizeof *used);
    c.r = base_calloc(1, sizeof *c.r);
    if (c.r)
        c.r->statics = base_calloc(s->n_configs, sizeof *c.r->statics);
    c.rc = base_calloc((s->n_configs + 1) * (s->n_rivals ? s->n_rivals : 1), sizeof *c.rc);
    c.layers = base_calloc(s->net->n_layers ? s->net->n_layers : 1, sizeof *c.layers);
    base_status st = BASE_OK;
    if (!used || !c.r || !c.r->statics || !c.rc || !c.layers) {
        st = BASE_ERROR(BASE_ENOMEM, "out of memory evaluating %s", s->name);
        goto free_all;
    }
    c.r->sched = s;
    /* Configs the schedule can run: every one when a budget chooses, else those named. */
    if (s->kind == STUDY_DYN_CASCADE) {
        used[s->cascade_low] = used[s->cascade_high] = 1;
    } else {
        for (size_t i = 0; i < s->n_requests; i++) {
            if (s->requests[i].config < 0)
                for (size_t k = 0; k < n_sched; k++)
                    used[k] = 1;
            else
                used[s->requests[i].config] = 1;
        }
    }
    for (size_t k = 0; st == BASE_OK && k < s->n_rivals; k++) {
        st = sim_accel_open(acc_model_name(s->rivals[k]), &c.acc[k]);
        if (st == BASE_OK)
            st = acc_params_select_network(c.acc[k].params, s->net->name);
    }
    for (size_t k = 0; st == BASE_OK && k < s->n_configs; k++)
        st = config_costs(&c, s->configs[k].bits, &c.r->statics[k], &c.rc[k * s->n_rivals]);
    if (st == BASE_OK)
        st = max_bits_new(s, used, &c.r->max_bits);
    if (st == BASE_OK) {
        /* The maximum equals a config when one already runs every layer at its widest: its
         * figures are reused rather than planned again. */
        rival_cfg *max_row = &c.rc[s->n_configs * s->n_rivals];
        c.r->max_config = -1;
        for (size_t k = 0; k < s->n_configs && c.r->max_config < 0; k++)
            if (same_bits(s->configs[k].bits, c.r->max_bits))
                c.r->max_config = (int)k;
        if (c.r->max_config >= 0) {
            size_t k = (size_t)c.r->max_config;
            c.r->max_static = c.r->statics[k];
            if (s->n_rivals)
                memcpy(max_row, &c.rc[k * s->n_rivals], s->n_rivals * sizeof *max_row);
        } else {
            st = config_costs(&c, c.r->max_bits, &c.r->max_static, max_row);
        }
    }
    if (st == BASE_OK) {
        storage_compute(s, used, &c.r->storage);
        st = build_rows(&c, n_sched);
    }
free_all:
    for (size_t k = 0; k < s->n_rivals; k++)
        sim_accel_close(&c.acc[k]);
    base_free(c.layers);
    base_free(c.rc);
    base_free(used);
    if (st != BASE_OK)
        study_dyn_result_free(c.r);
    else
        *out = c.r;
    return st;
}

/* ---- Output ------------------------------------------------------------------------------- */

/* A number, or nothing when it does not apply (NaN). */
static void num(FILE *fp, int decimals, double v)
{
    if (!isnan(v))
        fprintf(fp, "%.*f", decimals, v);
}

base_status study_dyn_write_requests_csv(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    fprintf(fp, "point,fraction,request,input,rerun,config,budget_ms,budget_mj,met,passes,"
                "latency_ms,energy_mj,edp_js,top1_pct\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const study_dyn_row *w = &r->rows[i];
        int has_budget = w->budget_ms > 0 || w->budget_mj > 0;
        fprintf(fp, "%zu,", w->point);
        num(fp, 4, r->points[w->point].fraction >= 0 ? r->points[w->point].fraction : NO_VALUE);
        fprintf(fp, ",%zu,%zu,%d,%s,", w->index, w->input, w->rerun, s->configs[w->config].name);
        num(fp, 6, w->budget_ms > 0 ? w->budget_ms : NO_VALUE);
        fputc(',', fp);
        num(fp, 6, w->budget_mj > 0 ? w->budget_mj : NO_VALUE);
        fputc(',', fp);
        if (has_budget)
            fputs(w->met ? "met" : "missed", fp);
        fprintf(fp, ",%llu,%.6e,%.6e,%.6e,%.2f\n", (unsigned long long)w->n_passes,
                w->latency_ns * 1e-6, w->energy_pj * 1e-9, sim_edp_js(w->energy_pj, w->latency_ns),
                w->top1_pct);
    }
    return base_write_status(fp);
}

static double design_vs_static(const study_dyn_point *pt, const study_dyn_design *d)
{
    if (strncmp(d->name, "ap_", 3) != 0 || !d->supported)
        return NAN;
    return pct_diff(d->edp_per_input_js, pt->best_static_edp_js);
}

base_status study_dyn_write_summary_csv(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    const study_dyn_storage *g = &r->storage;
    fprintf(fp, "schedule,kind,point,fraction,design,supported,runs,inputs,top1_pct,latency_ms,"
                "energy_mj,edp_total_js,edp_per_input_js,switch_latency_ms,switch_energy_mj,"
                "switches,missed,best_static,best_static_edp_js,edp_vs_best_static_pct,"
                "weights_msb_mbit,weights_per_precision_mbit,map_capacity_mbit\n");
    for (size_t p = 0; p < r->n_points; p++) {
        const study_dyn_point *pt = &r->points[p];
        for (size_t k = 0; k < pt->n_designs; k++) {
            const study_dyn_design *d = &pt->design[k];
            fprintf(fp, "%s,%s,%zu,", s->name, study_dyn_kind_name(s->kind), p);
            num(fp, 4, pt->fraction >= 0 ? pt->fraction : NO_VALUE);
            fprintf(fp, ",%s,%s,%zu,%zu,", d->name, d->supported ? "yes" : "no", d->n_runs,
                    pt->n_inputs);
            num(fp, 4, d->top1_pct);
            if (d->supported)
                fprintf(fp, ",%.6e,%.6e,%.6e,%.6e,%.6e,%.6e,%zu,%zu,", d->latency_ns * 1e-6,
                        d->energy_pj * 1e-9, d->edp_total_js, d->edp_per_input_js,
                        d->switch_latency_ns * 1e-6, d->switch_energy_pj * 1e-9, d->n_switches,
                        d->n_missed);
            else
                fputs(",,,,,,,,,", fp);
            fprintf(fp, "%s,%.6e,", s->configs[pt->best_static].name, pt->best_static_edp_js);
            num(fp, 3, design_vs_static(pt, d));
            fprintf(fp, ",%.3f,%.3f,%.3f\n", g->msb_bits * 1e-6, g->per_precision_bits * 1e-6,
                    g->capacity_bits * 1e-6);
        }
    }
    return base_write_status(fp);
}

static void json_num(FILE *fp, int decimals, double v)
{
    if (isnan(v))
        fputs("null", fp);
    else
        fprintf(fp, "%.*f", decimals, v);
}

base_status study_dyn_write_summary_json(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    const study_dyn_storage *g = &r->storage;
    fputs("{\n  \"schedule\": ", fp);
    base_json_str(fp, s->name);
    fputs(",\n  \"kind\": ", fp);
    base_json_str(fp, study_dyn_kind_name(s->kind));
    fputs(",\n  \"network\": ", fp);
    base_json_str(fp, s->net->name);
    fputs(",\n  \"technology\": ", fp);
    base_json_str(fp, s->tech->name);
    fputs(",\n  \"architecture\": ", fp);
    base_json_str(fp, s->arch.name);
    fprintf(fp, ",\n  \"vdd_v\": %.3f,\n  \"batch\": %u,\n", s->vdd_v, s->arch.batch);
    fprintf(fp,
            "  \"weight_storage\": {\"msb_slice_mbit\": %.3f, \"msb_slice_fits\": %s, "
            "\"per_precision_mbit\": %.3f, \"per_precision_fits\": %s, "
            "\"map_capacity_mbit\": %.3f},\n",
            g->msb_bits * 1e-6, g->msb_fits ? "true" : "false", g->per_precision_bits * 1e-6,
            g->per_precision_fits ? "true" : "false", g->capacity_bits * 1e-6);
    fputs("  \"configs\": [\n", fp);
    for (size_t k = 0; k <= s->n_configs; k++) {
        const study_dyn_static *x = k < s->n_configs ? &r->statics[k] : &r->max_static;
        fputs("    {\"name\": ", fp);
        base_json_str(fp, k < s->n_configs ? s->configs[k].name : "fixed_max");
        fputs(", \"bits\": ", fp);
        base_json_str(fp, k < s->n_configs ? s->configs[k].spec : "per-layer maximum");
        fprintf(fp, ", \"role\": \"%s\", \"top1_pct\": ",
                k == s->n_configs         ? "fixed_max"
                : s->configs[k].is_static ? "static"
                                          : "scheduled");
        json_num(fp, 2,
                 k < s->n_configs     ? s->configs[k].top1_pct
                 : r->max_config >= 0 ? s->configs[r->max_config].top1_pct
                                      : NO_VALUE);
        fprintf(fp,
                ", \"passes\": %llu, \"latency_ms\": %.6e, \"energy_mj\": %.6e, "
                "\"edp_js\": %.6e}%s\n",
                (unsigned long long)x->n_passes, x->latency_ns * 1e-6, x->energy_pj * 1e-9,
                x->edp_js, k < s->n_configs ? "," : "");
    }
    fputs("  ],\n  \"points\": [\n", fp);
    for (size_t p = 0; p < r->n_points; p++) {
        const study_dyn_point *pt = &r->points[p];
        fputs("    {\"fraction\": ", fp);
        json_num(fp, 4, pt->fraction >= 0 ? pt->fraction : NO_VALUE);
        fprintf(fp, ", \"inputs\": %zu, \"requests\": %zu, \"top1_pct\": %.4f, \"best_static\": ",
                pt->n_inputs, pt->n_requests, pt->top1_pct);
        base_json_str(fp, s->configs[pt->best_static].name);
        fprintf(fp, ", \"best_static_edp_js\": %.6e, \"edp_vs_best_static_pct\": %.3f,\n",
                pt->best_static_edp_js, pt->edp_vs_best_static_pct);
        fputs("     \"designs\": [\n", fp);
        for (size_t k = 0; k < pt->n_designs; k++) {
            const study_dyn_design *d = &pt->design[k];
            fputs("       {\"name\": ", fp);
            base_json_str(fp, d->name);
            if (!d->supported) {
                fputs(", \"supported\": false, \"reason\": ", fp);
                base_json_str(fp, d->reason);
            } else {
                fprintf(fp,
                        ", \"supported\": true, \"runs\": %zu, \"latency_ms\": %.6e, "
                        "\"energy_mj\": %.6e, \"edp_total_js\": %.6e, \"edp_per_input_js\": "
                        "%.6e, \"switch_latency_ms\": %.6e, \"switch_energy_mj\": %.6e, "
                        "\"switches\": %zu, \"missed\": %zu, \"top1_pct\": ",
                        d->n_runs, d->latency_ns * 1e-6, d->energy_pj * 1e-9, d->edp_total_js,
                        d->edp_per_input_js, d->switch_latency_ns * 1e-6,
                        d->switch_energy_pj * 1e-9, d->n_switches, d->n_missed);
                json_num(fp, 4, d->top1_pct);
            }
            fprintf(fp, "}%s\n", k + 1 < pt->n_designs ? "," : "");
        }
        fprintf(fp, "     ]}%s\n", p + 1 < r->n_points ? "," : "");
    }
    fputs("  ]\n}\n", fp);
    return base_write_status(fp);
}

base_status study_dyn_write_family_csv(FILE *fp, const study_dyn_result *r)
{
    fprintf(fp, "series,fraction,top1_pct,latency_ms_per_input,energy_mj_per_input,"
                "edp_js_per_input,label\n");
    for (size_t k = 0; r->n_points && k < r->points[0].n_designs; k++)
        for (size_t p = 0; p < r->n_points; p++) {
            const study_dyn_point *pt = &r->points[p];
            const study_dyn_design *d = &pt->design[k];
            double n = (double)pt->n_inputs;
            if (!d->supported || isnan(d->top1_pct))
                continue;
            fprintf(fp, "%s,", d->name);
            num(fp, 4, pt->fraction >= 0 ? pt->fraction : NO_VALUE);
            fprintf(fp, ",%.4f,%.6e,%.6e,%.6e,", d->top1_pct, d->latency_ns * 1e-6 / n,
                    d->energy_pj * 1e-9 / n, d->edp_per_input_js);
            if (pt->fraction >= 0)
                fprintf(fp, "f=%.2f\n", pt->fraction);
            else
                fprintf(fp, "%s\n", r->sched->name);
        }
    return base_write_status(fp);
}

base_status study_dyn_write_static_csv(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    fprintf(fp, "series,label,top1_pct,latency_ms,energy_mj,edp_js,passes\n");
    for (size_t k = 0; k < s->n_configs; k++) {
        const study_dyn_static *x = &r->statics[k];
        fprintf(fp, "static,%s,%.2f,%.6e,%.6e,%.6e,%llu\n", s->configs[k].name,
                s->configs[k].top1_pct, x->latency_ns * 1e-6, x->energy_pj * 1e-9, x->edp_js,
                (unsigned long long)x->n_passes);
    }
    return base_write_status(fp);
}

static base_status write_plots_list(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    fprintf(
        fp,
        "dynamic|family.csv|dynamic_edp_accuracy|%s: EDP per inference vs average top-1 (%s, %s "
        "%.2f V)|ap_bit_fluid ap_fixed_max|static.csv\n",
        s->name, s->net->name, s->tech->name, s->vdd_v);
    return base_write_status(fp);
}

/* Adapters from the typed writers to base_write_set's (FILE *, const void *) writers. */
#define DYN_OUTPUT(fn)                                                                             \
    static base_status out_##fn(FILE *fp, const void *ctx)                                         \
    {                                                                                              \
        return fn(fp, ctx);                                                                        \
    }
DYN_OUTPUT(study_dyn_write_requests_csv)
DYN_OUTPUT(study_dyn_write_summary_csv)
DYN_OUTPUT(study_dyn_write_summary_json)
DYN_OUTPUT(study_dyn_write_family_csv)
DYN_OUTPUT(study_dyn_write_static_csv)
DYN_OUTPUT(write_plots_list)
#undef DYN_OUTPUT

base_status study_dyn_write_outputs(const study_dyn_result *r, const char *dir)
{
    const base_output outs[] = {
        {"requests.csv", out_study_dyn_write_requests_csv, 1},
        {"summary.csv", out_study_dyn_write_summary_csv, 1},
        {"summary.json", out_study_dyn_write_summary_json, 1},
        {"family.csv", out_study_dyn_write_family_csv, 1},
        {"static.csv", out_study_dyn_write_static_csv, 1},
        {"plots.list", out_write_plots_list, 1},
    };
    return base_write_set(dir, outs, sizeof outs / sizeof outs[0], r);
}
