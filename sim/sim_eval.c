/* sim_eval.c - evaluates a plan at a technology and supply voltage: per layer, the mapping
 * (K-chunk, field placement, dataflow) of least EDP, its energy by component and by phase,
 * latency, wear; for the network the area by component, peak beside achieved efficiency,
 * and the energy-per-action table. Every CMOS term (array, MAP periphery, interconnect,
 * controller, wake-up) follows the CAP technology's voltage laws; NVM device terms stay the
 * device's. Model and a hand-worked layer: docs/SIM_MODEL.md, docs/VALIDATION.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_impl.h"

#define SIM_X_NAME(e, name) name,
static const char *const phase_names[] = {SIM_PHASE_LIST(SIM_X_NAME)};
static const char *const component_names[] = {SIM_COMPONENT_LIST(SIM_X_NAME)};
static const char *const area_names[] = {SIM_AREA_LIST(SIM_X_NAME)};
static const char *const placement_names[] = {SIM_PLACEMENT_LIST(SIM_X_NAME)};
static const char *const dataflow_names[] = {SIM_DATAFLOW_LIST(SIM_X_NAME)};
#undef SIM_X_NAME

#define NAME_OF(table, i) ((unsigned)(i) < sizeof table / sizeof table[0] ? table[i] : "unknown")
const char *sim_phase_name(sim_phase p)
{
    return NAME_OF(phase_names, p);
}
const char *sim_component_name(sim_component c)
{
    return NAME_OF(component_names, c);
}
const char *sim_area_name(sim_area_part a)
{
    return NAME_OF(area_names, a);
}
const char *sim_placement_name(sim_placement p)
{
    return NAME_OF(placement_names, p);
}
const char *sim_dataflow_name(sim_dataflow d)
{
    return NAME_OF(dataflow_names, d);
}

/* Per-action energies (pJ) and times (ns) at the evaluation's Vdd. */
typedef struct actions {
    double ml_segment_pj; /* one match-line segment of one row */
    double sl_cell_pj;    /* one search line at one row */
    double write_pj;      /* a cell written by a pass (NVM: a flip) */
    double drive_pj;      /* a cell driven by a clear or a plane write (NVM: half flip) */
    double t_search_ns, t_write_ns;
    double ctrl_pj;          /* per CAP per cycle */
    double bus_pj, bcast_pj; /* per bit */
    double map_read_pj, map_write_pj;
    double cap_leak_pj_per_bit_ns, map_leak_pj_per_bit_ns;
    double wake_pj_per_bit, wake_ns;
    double bus_ns_per_bit;
    double cap_bits; /* per CAP */
    bool nvm;        /* CAP cells switch only when their value changes */
    bool map_nvm;    /* the MAP keeps its data without power */
    sim_precharge precharge;
    double seg_cols, cap_cols;
} actions;

/* The MAP's technology for CAP technology tech: the plan's table, or the CAPs' own when the
 * architecture says "cap", or "auto" with non-volatile CAPs. */
static const tech_params *map_tech_of(const sim_plan *p, const tech_params *tech)
{
    if (!p->map_tech || (!strcmp(p->arch.map_tech, "auto") && tech->family == TECH_NVM))
        return tech;
    return p->map_tech;
}

static void make_actions(const sim_arch *a, const tech_at_vdd *t, const tech_at_vdd *mt, bool nvm,
                         bool map_nvm, actions *x)
{
    double es = t->energy_scale, ds = t->delay_scale;
    x->ml_segment_pj = 1e-3 * a->ml_segment_cols * t->e_ml_fj;
    x->sl_cell_pj = 1e-3 * t->e_sl_fj;
    x->write_pj = 1e-3 * t->e_write_fj;
    /* A driven NVM cell switches only when its value changes: half the time on uniform data. */
    x->drive_pj = 1e-3 * (nvm ? t->e_write_periph_fj + 0.5 * t->e_write_device_fj : t->e_write_fj);
    x->t_search_ns = t->t_search_ns;
    x->t_write_ns = t->t_write_ns;
    x->ctrl_pj = a->ctrl_energy_pj_per_cycle * es;
    x->bus_pj = a->bus_energy_pj_per_bit * es;
    x->bcast_pj = a->bus_broadcast_energy_pj_per_bit * es;
    /* A MAP word access: the cells' bit lines (the MAP technology) plus the bank's decoders,
     * sense amplifiers and routing to its port (the architecture's, CMOS). */
    double bank_pj = 1e-3 * a->map_periphery_fj_per_bit * es;
    x->map_read_pj = 1e-3 * mt->e_read_fj + bank_pj;
    x->map_write_pj =
        1e-3 * (map_nvm ? mt->e_write_periph_fj + 0.5 * mt->e_write_device_fj : mt->e_write_fj) +
        bank_pj;
    /* nW x ns = 1e-18 J = 1e-6 pJ. */
    x->cap_leak_pj_per_bit_ns = 1e-6 * t->p_leak_nw;
    x->map_leak_pj_per_bit_ns = 1e-6 * mt->p_leak_nw;
    x->wake_pj_per_bit = a->power_gating ? 1e-3 * a->wake_energy_fj_per_bit * es : 0;
    x->wake_ns = a->power_gating ? a->wake_latency_ns * ds : 0;
    x->bus_ns_per_bit = ds / a->bus_bits_per_cycle / a->bus_clock_ghz;
    x->cap_bits = (double)a->cap_rows * a->cap_cols;
    x->nvm = nvm;
    x->map_nvm = map_nvm;
    x->precharge = a->ml_precharge;
    x->seg_cols = a->ml_segment_cols;
    x->cap_cols = a->cap_cols;
}

/* Match-line cells precharged per row by the compares of w under placement pl. */
static double ml_cells(const actions *x, const sim_work *w, sim_placement pl)
{
    switch (x->precharge) {
    case SIM_PRECHARGE_FULL:
        return (double)(w->n_compares + w->n_plane_reads) * x->cap_cols;
    case SIM_PRECHARGE_PIPELINED:
        return w->ml_pipelined[pl] * x->seg_cols;
    case SIM_PRECHARGE_SELECTIVE:
        break;
    }
    return w->ml_segments[pl] * x->seg_cols;
}

/* Compare time per fold: one search per compare, or one per segment stage when pipelined
 * (an AP pass needs its tags before the next, so stages do not overlap). */
static double compare_ns(const actions *x, const sim_work *w, sim_placement pl)
{
    double n = x->precharge == SIM_PRECHARGE_PIPELINED ? w->ml_segments[pl]
                                                       : (double)(w->n_compares + w->n_plane_reads);
    return n * x->t_search_ns;
}

static void add(sim_layer_result *r, sim_phase ph, sim_component c, double pj)
{
    r->by_phase_pj[ph] += pj;
    r->by_component_pj[c] += pj;
}

/* The energies (pJ) of one work tally w over rows rows and rounds CAP rounds: match line,
 * search line, write, controller; *fold_ns its time per fold. Shared by the search's score and
 * the per-phase evaluation, so both use one formula. */
static void work_terms(const actions *x, const sim_work *w, sim_placement pl, double rows,
                       double rounds, double e[4], double *fold_ns)
{
    double cycles = (double)(w->n_compares + w->n_writes + w->n_plane_writes + w->n_plane_reads);
    e[0] = rows * ml_cells(x, w, pl) / x->seg_cols * x->ml_segment_pj;
    e[1] = rows * (double)w->compared_cols * x->sl_cell_pj;
    e[2] = rows * (w->written_cells * x->write_pj + w->driven_cells * x->drive_pj);
    e[3] = rounds * cycles * x->ctrl_pj;
    *fold_ns = compare_ns(x, w, pl) + (double)(w->n_writes + w->n_plane_writes) * x->t_write_ns;
}

/* CAPs a candidate powers per fold (mean). */
static double active_caps(const sim_candidate *c)
{
    return c->n_folds ? (double)c->n_cap_rounds / (double)c->n_folds : 0;
}

/* CAP work of candidate c under placement pl, by phase: array, controller, latency, wear. */
static void eval_work(const actions *x, const sim_candidate *c, sim_placement pl,
                      sim_layer_result *r)
{
    static const sim_component comp[4] = {SIM_COMP_CAP_MATCHLINE, SIM_COMP_CAP_SEARCHLINE,
                                          SIM_COMP_CAP_WRITE, SIM_COMP_CONTROLLER};
    double rows = (double)c->n_rows, fold_ns = 0;
    for (int ph = 0; ph < SIM_PHASE_COUNT; ph++) {
        const sim_work *w = &c->work[ph];
        double e[4], ns;
        work_terms(x, w, pl, rows, (double)c->n_cap_rounds, e, &ns);
        for (int k = 0; k < 4; k++)
            add(r, ph, comp[k], e[k]);
        fold_ns += ns;
        r->cap_cell_writes += rows * (w->written_cells + w->driven_cells * (x->nvm ? 0.5 : 1.0));
    }
    r->latency_ns += (double)c->n_folds * fold_ns;
    r->max_cell_writes += (double)c->n_folds * c->max_col_writes;
    r->active_caps = fmax(r->active_caps, active_caps(c));
}

/* Bits a candidate moves under dataflow d, and the energies: bus, MAP reads, MAP writes;
 * *ns the interconnect time. */
static void move_terms(const actions *x, const sim_candidate *c, sim_dataflow d, double e[3],
                       double *ns)
{
    bool bcast = c->has_dataflow && (d == SIM_FLOW_BCAST_ROW || d == SIM_FLOW_BCAST_MCAST);
    bool mcast = c->has_dataflow && (d == SIM_FLOW_ROW_MCAST || d == SIM_FLOW_BCAST_MCAST);
    double act = mcast ? c->act_bits_mcast : c->act_bits_row;
    double wt = bcast ? c->wt_bits_bcast : c->wt_bits_row;
    double p2p = (mcast ? 0 : act) + (bcast ? 0 : wt) + c->out_bits + c->tree_bus_bits;
    double shared = (mcast ? act : 0) + (bcast ? wt : 0);
    e[0] = p2p * x->bus_pj + shared * x->bcast_pj;
    e[1] = (act + wt) * x->map_read_pj;
    e[2] = c->out_bits * x->map_write_pj;
    *ns = (p2p + shared) * x->bus_ns_per_bit;
}

/* Data movement of candidate c under dataflow d: interconnect and MAP accesses. */
static void eval_movement(const actions *x, const sim_candidate *c, sim_dataflow d,
                          sim_layer_result *r)
{
    double e[3], ns;
    move_terms(x, c, d, e, &ns);
    add(r, SIM_PHASE_TRANSFER, SIM_COMP_BUS, e[0]);
    add(r, SIM_PHASE_OPERAND_LOAD, SIM_COMP_MAP_ACCESS, e[1]);
    add(r, SIM_PHASE_TRANSFER, SIM_COMP_MAP_ACCESS, e[2]);
    r->map_write_bits += c->out_bits;
    r->latency_ns += ns;
}

/* Static terms of a layer powering `active` CAPs: the wake-up (energy, time; power gating
 * wakes the CAPs a layer uses, once) and the leakage power (pJ/ns) of the CAPs powered (all
 * of them without power gating) and of the MAP banks powered: every bank without gating;
 * with gating, the banks holding data, or for a non-volatile MAP (which keeps its data
 * unpowered) only the banks the layer reads or writes. */
static void static_terms(const sim_plan *p, const actions *x, const sim_candidate *c, double active,
                         double *wake_pj, double *wake_ns, double *cap_leak, double *map_leak)
{
    const sim_arch *a = &p->arch;
    bool wake = active > 0 && x->wake_pj_per_bit > 0;
    *wake_pj = wake ? active * x->cap_bits * x->wake_pj_per_bit : 0;
    *wake_ns = wake ? x->wake_ns : 0;
    double caps = a->power_gating ? active : (double)a->n_caps;
    double bank = (double)a->map_rows * a->map_cols;
    double map_bits = (double)a->n_maps * bank;
    if (a->power_gating || a->map_auto)
        map_bits = p->map_bits;
    if (a->power_gating && x->map_nvm)
        map_bits = fmin(p->map_bits, ceil(c->map_touched_bits / bank) * bank);
    *cap_leak = caps * x->cap_bits * x->cap_leak_pj_per_bit_ns;
    *map_leak = map_bits * x->map_leak_pj_per_bit_ns;
}

static void eval_static(const sim_plan *p, const actions *x, const sim_candidate *c,
                        sim_layer_result *r)
{
    double wake_pj, wake_ns, cap_leak, map_leak;
    static_terms(p, x, c, r->active_caps, &wake_pj, &wake_ns, &cap_leak, &map_leak);
    add(r, SIM_PHASE_STATIC, SIM_COMP_CAP_WAKEUP, wake_pj);
    r->latency_ns += wake_ns;
    add(r, SIM_PHASE_STATIC, SIM_COMP_CAP_LEAKAGE, cap_leak * r->latency_ns);
    add(r, SIM_PHASE_STATIC, SIM_COMP_MAP_LEAKAGE, map_leak * r->latency_ns);
}

static void finish(sim_layer_result *r)
{
    r->energy_pj = 0;
    for (int k = 0; k < SIM_COMP_COUNT; k++)
        r->energy_pj += r->by_component_pj[k];
    r->edp_pj_ns = r->energy_pj * r->latency_ns;
}

/* Candidate k of lp under placement q and dataflow d, by phase, with the layer's input
 * requantization (lp->pre) added. */
static void eval_choice(const sim_plan *p, const actions *x, const sim_layer_plan *lp, size_t k,
                        sim_placement q, sim_dataflow d, sim_layer_result *r)
{
    const sim_candidate *c = &lp->cand[k];
    memset(r, 0, sizeof *r);
    r->chosen = k;
    r->placement = q;
    r->dataflow = d;
    eval_work(x, c, q, r);
    eval_movement(x, c, d, r);
    if (lp->has_pre) {
        eval_work(x, &lp->pre, SIM_PLACE_GROUPED, r);
        eval_movement(x, &lp->pre, SIM_FLOW_ROW_ROW, r);
    }
    eval_static(p, x, c, r);
    finish(r);
}

/* Energy (pJ) and time (ns) of a candidate's work (phases summed) and movement. */
static void work_sum(const actions *x, const sim_candidate *c, sim_placement q, double *e,
                     double *ns)
{
    double t[4], fold_ns;
    work_terms(x, &c->total, q, (double)c->n_rows, (double)c->n_cap_rounds, t, &fold_ns);
    *e = t[0] + t[1] + t[2] + t[3];
    *ns = (double)c->n_folds * fold_ns;
}

static void move_sum(const actions *x, const sim_candidate *c, sim_dataflow d, double *e,
                     double *ns)
{
    double t[3];
    move_terms(x, c, d, t, ns);
    *e = t[0] + t[1] + t[2];
}

/* The layer's mapping of least EDP (K-chunk, placement, dataflow), scored from the same terms
 * on the phases' sums, then evaluated by phase. */
static void eval_layer(const sim_plan *p, const actions *x, const sim_layer_plan *lp,
                       sim_layer_result *best)
{
    double best_edp = INFINITY, pre_e = 0, pre_ns = 0, pre_active = 0;
    size_t bk = 0;
    sim_placement bq = SIM_PLACE_GROUPED;
    sim_dataflow bd = SIM_FLOW_ROW_ROW;
    if (lp->has_pre) {
        double e, ns;
        work_sum(x, &lp->pre, SIM_PLACE_GROUPED, &pre_e, &pre_ns);
        move_sum(x, &lp->pre, SIM_FLOW_ROW_ROW, &e, &ns);
        pre_e += e;
        pre_ns += ns;
        pre_active = active_caps(&lp->pre);
    }
    for (size_t k = 0; k < lp->n_candidates; k++) {
        const sim_candidate *c = &lp->cand[k];
        int n_places = c->has_dataflow ? SIM_PLACE_COUNT : 1;
        int n_flows = c->has_dataflow ? SIM_FLOW_COUNT : 1;
        double wake_pj, wake_ns, cap_leak, map_leak;
        static_terms(p, x, c, fmax(active_caps(c), pre_active), &wake_pj, &wake_ns, &cap_leak,
                     &map_leak);
        double move_e[SIM_FLOW_COUNT], move_ns[SIM_FLOW_COUNT];
        for (int d = 0; d < n_flows; d++)
            move_sum(x, c, (sim_dataflow)d, &move_e[d], &move_ns[d]);
        for (int q = 0; q < n_places; q++) {
            double we, wns;
            work_sum(x, c, (sim_placement)q, &we, &wns);
            for (int d = 0; d < n_flows; d++) {
                double ns = wns + move_ns[d] + pre_ns + wake_ns;
                double e = we + move_e[d] + pre_e + wake_pj + (cap_leak + map_leak) * ns;
                if (e * ns < best_edp) {
                    best_edp = e * ns;
                    bk = k;
                    bq = (sim_placement)q;
                    bd = (sim_dataflow)d;
                }
            }
        }
    }
    eval_choice(p, x, lp, bk, bq, bd, best);
}

/* Peak efficiency: the chosen MAC programs on every row at once, nothing else, with the
 * CAPs' leakage over that time. */
static void eval_peak(const sim_plan *p, const actions *x, sim_result *res)
{
    const sim_arch *a = &p->arch;
    double rows_total = (double)a->n_caps * a->cap_rows, e = 0, t = 0, macs = 0;
    for (size_t i = 0; i < p->n_layers; i++) {
        const sim_layer_plan *lp = &p->layers[i];
        const sim_layer_result *lr = &res->layers[i];
        if (!lp->gemm_k)
            continue;
        const sim_candidate *c = &lp->cand[lr->chosen];
        const sim_work *w = &c->work[SIM_PHASE_MAC];
        double k = (double)c->chunk_k;
        double cycles = (double)(w->n_compares + w->n_writes);
        double t_mac = (compare_ns(x, w, lr->placement) + (double)w->n_writes * x->t_write_ns) / k;
        double e_mac = (ml_cells(x, w, lr->placement) / x->seg_cols * x->ml_segment_pj +
                        (double)w->compared_cols * x->sl_cell_pj + w->written_cells * x->write_pj +
                        cycles * x->ctrl_pj / a->cap_rows) /
                           k +
                       x->cap_bits * a->n_caps * x->cap_leak_pj_per_bit_ns * t_mac / rows_total;
        double m = (double)p->net->layers[i].macs;
        e += m * e_mac;
        t += m * t_mac / rows_total;
        macs += m;
    }
    res->peak.energy_per_mac_pj = macs > 0 ? e / macs : 0;
    res->peak.tops_per_w = e > 0 ? 2.0 * macs / e : 0;
    res->peak.gops_per_mm2 = t > 0 && res->area_mm2 > 0 ? 2.0 * macs / t / res->area_mm2 : 0;
}

static void eval_area(const sim_plan *p, const tech_params *tech, const tech_params *mtech,
                      sim_result *res)
{
    const sim_arch *a = &p->arch;
    double cap_cells = (double)a->n_caps * a->cap_rows * a->cap_cols * tech_cell_area_um2(tech);
    double map_cells = p->map_bits * tech_cell_area_um2(mtech);
    double *ar = res->area_by_part_mm2;
    ar[SIM_AREA_CAP_CELLS] = cap_cells * 1e-6;
    ar[SIM_AREA_CAP_PERIPHERY] = cap_cells * (tech->area_periph_factor.value - 1.0) * 1e-6;
    ar[SIM_AREA_MAP_CELLS] = map_cells * 1e-6;
    ar[SIM_AREA_MAP_PERIPHERY] = map_cells * (mtech->area_periph_factor.value - 1.0) * 1e-6;
    ar[SIM_AREA_CONTROLLER] = 0;
    double arrays = 0;
    for (int k = 0; k < SIM_AREA_COUNT; k++)
        arrays += ar[k];
    ar[SIM_AREA_CONTROLLER] = arrays * a->ctrl_area_fraction;
    res->area_mm2 = arrays + ar[SIM_AREA_CONTROLLER];
}

/* Writes per cell per inference and the lifetime endurance leaves. The MAP's activation
 * buffers (ping-pong) see each cell written at most once every second layer. */
static void eval_wear(const sim_plan *p, sim_result *res)
{
    const sim_arch *a = &p->arch;
    double cap_bits = (double)a->n_caps * a->cap_rows * a->cap_cols, b = a->batch;
    double writes = 0, max = 0, map_writes = 0;
    size_t writers = 0;
    for (size_t i = 0; i < res->n_layers; i++) {
        writes += res->layers[i].cap_cell_writes;
        max += res->layers[i].max_cell_writes;
        map_writes += res->layers[i].map_write_bits;
        writers += res->layers[i].map_write_bits > 0;
    }
    sim_wear *w = &res->wear;
    w->cap_mean = writes / cap_bits / b;
    w->cap_max = max / b;
    w->map_mean = p->map_bits > 0 ? map_writes / p->map_bits / b : 0;
    w->map_max = (double)((writers + 1) / 2) / b;
    w->endurance_writes = res->at.endurance_writes;
    double life = INFINITY;
    if (res->at.endurance_writes > 0 && w->cap_max > 0)
        life = fmin(life, res->at.endurance_writes / w->cap_max);
    if (res->map_at.endurance_writes > 0 && w->map_max > 0)
        life = fmin(life, res->map_at.endurance_writes / w->map_max);
    w->lifetime_inferences = life;
}

/* Why energy per inference rose with the batch, by the component that rose most. */
static const char *const batch_causes[SIM_COMP_COUNT] = {
    [SIM_COMP_CAP_MATCHLINE] = "the least-EDP mappings at this batch trade array energy for "
                               "latency (other K-chunks or fewer folds)",
    [SIM_COMP_CAP_SEARCHLINE] = "the least-EDP mappings at this batch trade array energy for "
                                "latency (other K-chunks or fewer folds)",
    [SIM_COMP_CAP_WRITE] = "the least-EDP mappings at this batch write more cells per "
                           "inference (other K-chunks or dataflows)",
    [SIM_COMP_CAP_LEAKAGE] = "the CAPs stay powered longer per inference",
    [SIM_COMP_CAP_WAKEUP] = "more CAPs wake per inference",
    [SIM_COMP_MAP_ACCESS] = "more operand bits per inference are read from the MAPs",
    [SIM_COMP_MAP_LEAKAGE] = "the MAPs hold two activation buffers for the whole batch, and the "
                             "larger memory leaks for the whole run",
    [SIM_COMP_BUS] = "more operand bits per inference cross the interconnect",
    [SIM_COMP_CONTROLLER] = "the least-EDP mappings at this batch take more CAP cycles per "
                            "inference",
    [SIM_COMP_MEASURED] = "the chip is busy longer per inference (other dataflows, or work "
                          "that does not fill a register)",
};

static void batch_note(const sim_result *one, sim_result *res)
{
    double b = res->arch.batch, rise = res->energy_pj / b - one->energy_pj;
    if (rise <= 1e-6 * one->energy_pj)
        return;
    int worst = 0;
    for (int k = 1; k < SIM_COMP_COUNT; k++)
        if (res->by_component_pj[k] / b - one->by_component_pj[k] >
            res->by_component_pj[worst] / b - one->by_component_pj[worst])
            worst = k;
    snprintf(res->note, sizeof res->note,
             "energy per inference is %.2f%% above batch 1, mostly %s: %s",
             100.0 * rise / one->energy_pj, sim_component_name((sim_component)worst),
             batch_causes[worst]);
}

static base_status eval_one(const sim_plan *plan, const tech_params *tech, double vdd_v,
                            sim_result *res);

base_status sim_plan_eval(const sim_plan *plan, const tech_params *tech, double vdd_v,
                          sim_result *res)
{
    base_status st = eval_one(plan, tech, vdd_v, res);
    if (st == BASE_OK && plan->batch1) {
        st = eval_one(plan->batch1, tech, vdd_v, plan->batch1_res);
        if (st == BASE_OK)
            batch_note(plan->batch1_res, res);
    }
    return st;
}

void sim_result_add_layer(sim_result *res, const sim_plan *plan, size_t i,
                          const sim_layer_result *lr)
{
    res->layers[i] = *lr;
    res->layers[i].layer = i;
    res->latency_ns += lr->latency_ns;
    for (int c = 0; c < SIM_COMP_COUNT; c++)
        res->by_component_pj[c] += lr->by_component_pj[c];
    for (int ph = 0; ph < SIM_PHASE_COUNT; ph++)
        res->by_phase_pj[ph] += lr->by_phase_pj[ph];
    res->macs += plan->net->layers[i].macs * plan->arch.batch;
}

void sim_result_totals(sim_result *res, unsigned batch)
{
    for (int c = 0; c < SIM_COMP_COUNT; c++)
        res->energy_pj += res->by_component_pj[c];
    res->edp_pj_ns = res->energy_pj * res->latency_ns;
    res->throughput_inf_s = res->latency_ns > 0 ? batch / (res->latency_ns * 1e-9) : 0;
    /* 2 ops per MAC; ops per pJ = 1e12 ops/J; TOPS/W = ops per J / 1e12 = ops per pJ. */
    res->tops_per_w = res->energy_pj > 0 ? 2.0 * (double)res->macs / res->energy_pj : 0;
}

/* A measured-table chip: its own table, whatever technology and supply were asked for. */
static void eval_measured(const sim_plan *plan, const tech_params *tech, sim_result *res)
{
    sim_layer_result *layers = res->layers;
    memset(res, 0, sizeof *res);
    res->layers = layers;
    res->net = plan->net;
    res->bits = plan->bits;
    res->tech = res->map_tech = tech;
    res->arch = plan->arch;
    res->n_layers = plan->n_layers;
    sim_vec_eval(plan, res);
}

static base_status eval_one(const sim_plan *plan, const tech_params *tech, double vdd_v,
                            sim_result *res)
{
    if (plan->arch.kind == SIM_ARCH_MEASURED) {
        eval_measured(plan, tech, res);
        return BASE_OK;
    }
    tech_at_vdd at, map_at;
    base_status st = tech_scale(tech, vdd_v, &at);
    if (st != BASE_OK)
        return st;
    const tech_params *mtech = map_tech_of(plan, tech);
    st = tech_scale(mtech, vdd_v, &map_at);
    if (st != BASE_OK)
        return base_error_wrap(st, NULL, 0, 0, "MAP technology: ");
    const sim_arch *a = &plan->arch;
    actions x;
    make_actions(a, &at, &map_at, tech->family == TECH_NVM, mtech->family == TECH_NVM, &x);
    sim_layer_result *layers = res->layers;
    memset(res, 0, sizeof *res);
    res->layers = layers;
    res->at = at;
    res->map_at = map_at;
    res->net = plan->net;
    res->bits = plan->bits;
    res->tech = tech;
    res->map_tech = mtech;
    res->arch = *a;
    res->n_layers = plan->n_layers;
    res->map_bits = plan->map_bits;
    for (size_t i = 0; i < plan->n_layers; i++) {
        const sim_layer_plan *lp = &plan->layers[i];
        sim_layer_result best;
        memset(&best, 0, sizeof best);
        if (lp->n_candidates > 0)
            eval_layer(plan, &x, lp, &best);
        sim_result_add_layer(res, plan, i, &best);
    }
    sim_result_totals(res, a->batch);
    eval_area(plan, tech, mtech, res);
    res->gops_per_mm2 = res->latency_ns > 0 && res->area_mm2 > 0
                            ? 2.0 * (double)res->macs / res->latency_ns / res->area_mm2
                            : 0;
    eval_peak(plan, &x, res);
    eval_wear(plan, res);
    return BASE_OK;
}

const char *sim_result_tech_name(const sim_result *res)
{
    return res->arch.kind == SIM_ARCH_MEASURED ? res->arch.measured.technology : res->tech->name;
}

const char *sim_result_map_tech_name(const sim_result *res)
{
    return res->arch.kind == SIM_ARCH_MEASURED ? res->arch.measured.technology
                                               : res->map_tech->name;
}

size_t sim_result_ert(const sim_result *res, sim_ert_row *rows)
{
    if (res->arch.kind == SIM_ARCH_MEASURED)
        return sim_vec_ert(res, rows);
    actions x;
    bool nvm = res->tech->family == TECH_NVM, map_nvm = res->map_tech->family == TECH_NVM;
    make_actions(&res->arch, &res->at, &res->map_at, nvm, map_nvm, &x);
    const sim_ert_row table[] = {
        {SIM_COMP_CAP_MATCHLINE, "match-line segment precharged in one row", x.ml_segment_pj},
        {SIM_COMP_CAP_SEARCHLINE, "search line driven at one row", x.sl_cell_pj},
        {SIM_COMP_CAP_WRITE, nvm ? "cell flipped by a pass" : "cell written by a pass", x.write_pj},
        {SIM_COMP_CAP_WRITE,
         nvm ? "cell driven by a clear or load (expected flips)" : "cell driven by a clear or load",
         x.drive_pj},
        {SIM_COMP_CAP_LEAKAGE, "one bit powered for 1 ns", x.cap_leak_pj_per_bit_ns},
        {SIM_COMP_CAP_WAKEUP, "one CAP woken from power gating", x.wake_pj_per_bit * x.cap_bits},
        {SIM_COMP_MAP_ACCESS, "bit read", x.map_read_pj},
        {SIM_COMP_MAP_ACCESS, map_nvm ? "bit written (expected flips)" : "bit written",
         x.map_write_pj},
        {SIM_COMP_MAP_LEAKAGE, "one bit holding data for 1 ns", x.map_leak_pj_per_bit_ns},
        {SIM_COMP_BUS, "bit sent to one CAP", x.bus_pj},
        {SIM_COMP_BUS, "bit broadcast to every CAP", x.bcast_pj},
        {SIM_COMP_CONTROLLER, "one CAP cycle (compare or write)", x.ctrl_pj},
    };
    size_t n = sizeof table / sizeof table[0];
    memcpy(rows, table, sizeof table);
    return n;
}

base_status sim_result_new(const sim_plan *plan, sim_result **out)
{
    sim_result *r = base_calloc(1, sizeof *r);
    if (r)
        r->layers = base_calloc(plan->n_layers ? plan->n_layers : 1, sizeof *r->layers);
    if (!r || !r->layers) {
        sim_result_free(r);
        *out = NULL;
        return BASE_ERROR(BASE_ENOMEM, "out of memory for results");
    }
    *out = r;
    return BASE_OK;
}

void sim_result_free(sim_result *res)
{
    if (!res)
        return;
    base_free(res->layers);
    base_free(res);
}
