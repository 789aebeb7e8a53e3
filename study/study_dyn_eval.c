/* study_dyn_eval.c - evaluating a dynamic-precision schedule: each config once on the AP
 * (sim_plan_new + sim_plan_eval) and on every rival of accel/ (layer costs and mode-switch
 * costs), the per-layer maximum a fixed-precision design must run, the weight storage of the
 * two policies, then the requests walked for every design. The AP side is BF-IMNA's claim
 * (arXiv 2411.01417): precision changes with no reconfiguration, so a request costs its
 * config's plan and nothing more; the model and its assumptions are in docs/DYNAMIC.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "study/study_impl.h"

/* Relative tolerance when a config's top-1 is compared with a schedule's mean accuracy. */
#define ACC_REL_TOL 1e-12

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
    sim_accel_basis basis[STUDY_DYN_MAX_RIVALS]; /* each rival on the AP's basis */
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
    base_status st = study_plan_eval(s->net, bits, &s->arch, s->tech, s->vdd_v, &plan, &res);
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
        sim_accel_basis_apply(&c->basis[ri], &k);
        if (i > 0)
            sim_accel_basis_apply(&c->basis[ri], &sw);
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
    /* MAPs sized from the network ("auto") hold one copy at the widest precision, the
     * bit-fluid store: whole banks of it. */
    double bank = (double)s->arch.map_rows * s->arch.map_cols;
    st->capacity_bits =
        s->arch.map_auto ? ceil(st->msb_bits / bank) * bank : (double)s->arch.n_maps * bank;
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
            sim_accel_basis_apply(&c->basis[rival], &sw);
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
    d->top1_pct = use_max
                      ? (r->max_config >= 0 ? s->configs[r->max_config].top1_pct : STUDY_NO_VALUE)
                      : pt->top1_pct;
    return BASE_OK;
}

double study_dyn_pct_diff(double x, double ref)
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
    pt->edp_vs_best_static_pct = study_dyn_pct_diff(d[0].edp_per_input_js, pt->best_static_edp_js);
    return st;
}

/* The requests as one point: a budget picks its config, the mean accuracy is counted per
 * config (exact to rounding whatever the request count). n_per_cfg: n_configs zeroes. */
static void rows_requests(eval_ctx *c, study_dyn_point *pt, size_t n_sched, size_t *n_per_cfg)
{
    const study_dyn_schedule *s = c->s;
    study_dyn_result *r = c->r;
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
    double sum = 0;
    for (size_t k = 0; k < s->n_configs; k++)
        sum += (double)n_per_cfg[k] * s->configs[k].top1_pct;
    pt->n_inputs = pt->n_requests = s->n_requests;
    pt->top1_pct = sum / (double)s->n_requests;
}

/* Cascade point p: every input at the low config, k of them re-run at the high one. */
static void rows_cascade(eval_ctx *c, study_dyn_point *pt, size_t p, size_t k)
{
    const study_dyn_schedule *s = c->s;
    study_dyn_result *r = c->r;
    size_t n = s->n_inputs;
    for (size_t i = 0; i < n; i++) {
        /* Re-runs spread evenly over the inputs (Bresenham), as a random choice would on
         * average; input i is re-run right after its low pass. */
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
    /* Accuracy model (docs/DYNAMIC.md): re-run inputs take the high config's accuracy, the
     * others the low one's. */
    pt->top1_pct = (1.0 - pt->fraction) * s->configs[s->cascade_low].top1_pct +
                   pt->fraction * s->configs[s->cascade_high].top1_pct;
}

/* Expands the schedule into rows: one point (requests) or one per cascade fraction. */
static base_status build_rows(eval_ctx *c, size_t n_sched)
{
    const study_dyn_schedule *s = c->s;
    study_dyn_result *r = c->r;
    int cascade = s->kind == STUDY_DYN_CASCADE;
    size_t n_points = cascade ? s->n_fractions : 1, n_rows = 0;
    for (size_t p = 0; p < n_points; p++)
        n_rows += cascade ? s->n_inputs + study_dyn_rerun_count(s->fractions[p], s->n_inputs)
                          : s->n_requests;
    size_t *n_per_cfg = base_calloc(s->n_configs, sizeof *n_per_cfg);
    r->rows = base_calloc(n_rows, sizeof *r->rows);
    r->points = base_calloc(n_points, sizeof *r->points);
    if (!n_per_cfg || !r->rows || !r->points) {
        base_free(n_per_cfg);
        return BASE_ERROR(BASE_ENOMEM, "out of memory for the schedule");
    }
    r->n_points = n_points;
    for (size_t p = 0; p < n_points; p++) {
        study_dyn_point *pt = &r->points[p];
        pt->first_row = r->n_rows;
        pt->fraction = -1;
        if (cascade)
            rows_cascade(c, pt, p, study_dyn_rerun_count(s->fractions[p], s->n_inputs));
        else
            rows_requests(c, pt, n_sched, n_per_cfg);
    }
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

/* Configs the schedule can run: every one when a budget chooses, else those named. */
static void mark_used(const study_dyn_schedule *s, int *used)
{
    if (s->kind == STUDY_DYN_CASCADE) {
        used[s->cascade_low] = used[s->cascade_high] = 1;
        return;
    }
    for (size_t i = 0; i < s->n_requests; i++) {
        if (s->requests[i].config < 0)
            for (size_t k = 0; k < s->n_sched; k++)
                used[k] = 1;
        else
            used[s->requests[i].config] = 1;
    }
}

/* Figures of the maximum config. It equals a config when one already runs every layer at its
 * widest: that config's figures are reused rather than planned again. */
static base_status max_costs(eval_ctx *c)
{
    const study_dyn_schedule *s = c->s;
    study_dyn_result *r = c->r;
    rival_cfg *max_row = &c->rc[s->n_configs * s->n_rivals];
    r->max_config = -1;
    for (size_t k = 0; k < s->n_configs && r->max_config < 0; k++)
        if (same_bits(s->configs[k].bits, r->max_bits))
            r->max_config = (int)k;
    if (r->max_config < 0)
        return config_costs(c, r->max_bits, &r->max_static, max_row);
    size_t k = (size_t)r->max_config;
    r->max_static = r->statics[k];
    if (s->n_rivals)
        memcpy(max_row, &c->rc[k * s->n_rivals], s->n_rivals * sizeof *max_row);
    return BASE_OK;
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
    mark_used(s, used);
    for (size_t k = 0; st == BASE_OK && k < s->n_rivals; k++) {
        st = sim_accel_open(acc_model_name(s->rivals[k]), &c.acc[k]);
        if (st == BASE_OK)
            st = sim_accel_basis_of_tech(acc_model_name(s->rivals[k]), s->tech, s->vdd_v, 0,
                                         &c.basis[k]);
        if (st == BASE_OK)
            snprintf(c.r->rival_basis[k], sizeof c.r->rival_basis[k], "%s", c.basis[k].label);
        if (st == BASE_OK)
            st = acc_params_select_network(c.acc[k].params, s->net->name);
    }
    for (size_t k = 0; st == BASE_OK && k < s->n_configs; k++)
        st = config_costs(&c, s->configs[k].bits, &c.r->statics[k], &c.rc[k * s->n_rivals]);
    if (st == BASE_OK)
        st = max_bits_new(s, used, &c.r->max_bits);
    if (st == BASE_OK)
        st = max_costs(&c);
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
