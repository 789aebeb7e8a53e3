/* study_sweep.c - running a sweep: every design point of an experiment evaluated through one
 * AP plan per (network, bits, batch) (sim_plan_new, then sim_plan_eval per technology and
 * voltage) or a rival model of accel/, resumed from and recorded in the journals
 * (study_journal.c), then written by study_write.c. The caller's progress callback may stop
 * the run as an interruption would. Under MPI (par/) the ranks share the work units (a plan's
 * points, or one rival point) round-robin, each journaling its own, and rank 0 writes the
 * outputs from every journal: the same bytes as one rank (docs/PARALLEL.md). Format and
 * outputs: docs/EXPERIMENTS.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "par/par.h"
#include "study/study_impl.h"

static void clear_figures(study_point *p)
{
    p->latency_ns = p->energy_pj = NAN;
    for (int k = 0; k < SIM_COMP_COUNT; k++)
        p->e_comp_pj[k] = NAN;
    p->tops_per_w = p->gops_per_mm2 = p->inf_s = p->area_mm2 = p->peak_tops_per_w = NAN;
    p->macs = 0;
    p->path[0] = '\0';
}

static void fill_ap(study_point *p, const sim_result *r)
{
    p->status = STUDY_PT_OK;
    p->latency_ns = r->latency_ns;
    p->energy_pj = r->energy_pj;
    for (int k = 0; k < SIM_COMP_COUNT; k++)
        p->e_comp_pj[k] = r->by_component_pj[k];
    p->tops_per_w = r->tops_per_w;
    p->peak_tops_per_w = r->peak.tops_per_w;
    p->gops_per_mm2 = r->gops_per_mm2;
    p->inf_s = r->throughput_inf_s;
    p->area_mm2 = r->area_mm2;
    p->macs = r->macs;
}

base_status study_rival_basis(const study_experiment *e, size_t accel, sim_accel_basis *out)
{
    const tech_params *t = e->techs[0];
    return sim_accel_basis_of_tech(acc_model_name(e->accels[accel].model), t, t->vdd_nom_v.value, 0,
                                   out);
}

/* Runs a rival model on the sweep's basis; a configuration its datapath cannot run is a
 * recorded outcome. */
static base_status eval_rival(const study_experiment *e, study_point *p)
{
    acc_cost c;
    sim_accel_basis basis;
    sim_accel *a = &e->accels[p->accel];
    base_status st = study_rival_basis(e, p->accel, &basis);
    if (st != BASE_OK)
        return st;
    st = sim_accel_run(a, e->nets[p->net], e->cfgs[p->net * e->n_bits + p->bits],
                       e->batch[p->batch], &c);
    if (st == BASE_OK)
        sim_accel_basis_apply(&basis, &c);
    clear_figures(p);
    if (st == BASE_EUNSUPPORTED) {
        base_error_clear();
        p->status = STUDY_PT_UNSUPPORTED;
        return BASE_OK;
    }
    if (st != BASE_OK)
        return st;
    p->status = STUDY_PT_OK;
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
    size_t net, bits, batch, unit;
    double node_nm;
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

/* The architecture of an AP point: the experiment's at the point's batch and, with a node
 * axis, moved to the node of the point's technology (sim_arch.node_nm). */
static sim_arch point_arch(const study_experiment *e, const study_point *p)
{
    sim_arch arch = e->arch;
    arch.batch = e->batch[p->batch];
    arch.node_nm = e->n_nodes ? e->techs[p->tech]->node_nm.value : 0;
    return arch;
}

/* The point's plan is the cache's when it has the same key and, in a sharded run, the same
 * work unit (so that each unit builds its plan once, as in a run of one rank). */
static base_status eval_ap(const study_experiment *e, plan_cache *c, size_t unit, study_point *p)
{
    base_status st = BASE_OK;
    sim_arch arch = point_arch(e, p);
    if (!c->valid || c->net != p->net || c->bits != p->bits || c->batch != p->batch ||
        c->node_nm != arch.node_nm || c->unit != unit) {
        cache_drop(c);
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
        c->node_nm = arch.node_nm;
        c->unit = unit;
        c->valid = 1;
        c->n_built += !c->nofit;
    }
    clear_figures(p);
    if (c->nofit) {
        p->status = STUDY_PT_NOFIT;
        return BASE_OK;
    }
    st = sim_plan_eval(c->plan, e->techs[p->tech], p->vdd_v, c->res);
    if (st == BASE_OK)
        fill_ap(p, c->res);
    return st;
}

/* A measured chip: planned by apsim on its preset at the point's batch, costed from its table
 * (no technology or supply of the sweep applies); work that does not fit is a recorded
 * outcome, as for the AP. */
static base_status eval_chip(const study_experiment *e, study_point *p)
{
    sim_arch arch = e->chips[p->accel];
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    arch.batch = e->batch[p->batch];
    const tech_params *t = e->techs[0];
    base_status st = study_plan_eval(e->nets[p->net], e->cfgs[p->net * e->n_bits + p->bits], &arch,
                                     t, t->vdd_nom_v.value, &plan, &res);
    clear_figures(p);
    if (st == BASE_ECAPACITY) {
        base_error_clear();
        p->status = STUDY_PT_NOFIT;
        st = BASE_OK;
    } else if (st == BASE_OK) {
        fill_ap(p, res);
    }
    sim_result_free(res);
    sim_plan_free(plan);
    return st;
}

base_status study_plan_eval(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                            const tech_params *tech, double vdd_v, sim_plan **plan,
                            sim_result **res)
{
    base_status st = sim_plan_new(net, bits, arch, plan);
    if (st == BASE_OK)
        st = sim_result_new(*plan, res);
    if (st == BASE_OK)
        st = sim_plan_eval(*plan, tech, vdd_v, *res);
    return st;
}

/* Evaluates the layers_for point again and keeps its plan and result for layers.csv. */
static base_status layers_result(const study_experiment *e, const study_point *pts, sim_plan **plan,
                                 sim_result **res)
{
    const study_point *p = &pts[e->layers_point];
    if (!e->has_layers || p->status != STUDY_PT_OK)
        return BASE_OK;
    sim_arch arch = point_arch(e, p);
    return study_plan_eval(e->nets[p->net], e->cfgs[p->net * e->n_bits + p->bits], &arch,
                           e->techs[p->tech], p->vdd_v, plan, res);
}

/* Reports progress (rank 0 only); 0 when the caller asks to stop. */
static int go_on(const study_sweep_opts *opts, size_t done, size_t total)
{
    return par_rank() != 0 || !opts->progress || opts->progress(done, total, opts->progress_ctx);
}

static base_status stopped(const study_sweep_stats *stats)
{
    return BASE_ERROR(BASE_ECANCELED,
                      "sweep stopped by the caller after %zu new points (%zu of %zu done); "
                      "rerun to resume",
                      stats->n_evaluated, stats->n_resumed + stats->n_evaluated, stats->n_points);
}

/* 1 when AP points a and b run on the same plan: network, bits, batch and node. */
static int same_plan(const study_experiment *e, const study_point *a, const study_point *b)
{
    return a->net == b->net && a->bits == b->bits && a->batch == b->batch &&
           point_arch(e, a).node_nm == point_arch(e, b).node_nm;
}

/* The work units of the sweep, unit[i] for every point: the AP points of one plan in a row
 * (rival and chip points between them not counting) are one unit, every other point is one
 * of its own. Numbered in sweep order; a sharded run gives unit u to rank u % size. */
static void work_units(const study_experiment *e, const study_point *pts, size_t *unit)
{
    size_t next = 0, ap_unit = 0;
    const study_point *last_ap = NULL;
    for (size_t i = 0; i < e->n_points; i++) {
        const study_point *p = &pts[i];
        if (p->tech == STUDY_NO_TECH) {
            unit[i] = next++;
            continue;
        }
        if (!last_ap || !same_plan(e, last_ap, p))
            ap_unit = next++;
        unit[i] = ap_unit;
        last_ap = p;
    }
}

/* Evaluates every point of this rank's units that no journal holds yet, appending each to
 * this rank's journal as it finishes, reporting progress before the first and after every
 * point (done and total count the resumed points and this rank's share). */
static base_status eval_points(const study_experiment *e, const study_sweep_opts *opts,
                               study_point *pts, FILE *journal, study_sweep_stats *stats)
{
    plan_cache cache = {0};
    const size_t rank = (size_t)par_rank(), size = (size_t)par_size();
    size_t *unit = base_malloc(e->n_points * sizeof *unit), todo = 0;
    if (!unit)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    work_units(e, pts, unit);
    for (size_t i = 0; i < e->n_points; i++)
        todo += !pts[i].done && unit[i] % size == rank;
    size_t done = stats->n_resumed, total = stats->n_resumed + todo;
    base_status st = go_on(opts, done, total) ? BASE_OK : stopped(stats);
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++) {
        study_point *p = &pts[i];
        if (p->done || unit[i] % size != rank)
            continue;
        if (p->tech != STUDY_NO_TECH)
            st = eval_ap(e, &cache, size > 1 ? unit[i] : 0, p);
        else
            st = study_is_chip(e, p->accel) ? eval_chip(e, p) : eval_rival(e, p);
        if (st != BASE_OK)
            break;
        p->done = 1;
        study_journal_write(journal, i, p);
        stats->n_evaluated++;
        done++;
        if (!go_on(opts, done, total))
            st = stopped(stats);
    }
    stats->n_plans = cache.n_built;
    cache_drop(&cache);
    base_free(unit);
    return st;
}

/* After the evaluation: the ranks' counts summed and their statuses agreed; rank 0 of a
 * sharded run then takes in every rank's journal, after which every point must be done. */
static base_status gather(const study_experiment *e, study_point *pts, base_status st,
                          study_sweep_stats *stats)
{
    uint64_t n[2] = {stats->n_evaluated, stats->n_plans};
    base_status sum = par_sum_u64(n, 2);
    if (sum == BASE_OK) {
        stats->n_evaluated = (size_t)n[0];
        stats->n_plans = (size_t)n[1];
    }
    st = par_agree(st != BASE_OK ? st : sum);
    if (st != BASE_OK || par_size() == 1 || par_rank() != 0)
        return st;
    st = study_journal_load(e, stats->out_dir, pts);
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++)
        if (!pts[i].done)
            st = base_error_at(BASE_EIO, stats->out_dir, 0, 0,
                               "design point %zu is in no sweep journal after the run (a "
                               "rank's journal was lost or cut)",
                               i);
    return st;
}

/* Names the series of every point and counts the outcomes (series only when all went well). */
static void tally(const study_experiment *e, study_point *pts, base_status st,
                  study_sweep_stats *stats)
{
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++) {
        study_series_name(e, &pts[i]);
        stats->n_unsupported += pts[i].status != STUDY_PT_OK;
        stats->n_nofit += pts[i].status == STUDY_PT_NOFIT;
    }
    if (pts && e->has_layers && pts[e->layers_point].status != STUDY_PT_OK)
        stats->layers_skipped = study_status_names[pts[e->layers_point].status];
}

/* Rank 0, after the points are in: fronts, the layers point, the reference peaks and the
 * output set, then the journals go (kept when anything failed, so a rerun resumes). */
static base_status sweep_finish(const study_experiment *e, study_sweep_out *op, base_status st,
                                study_sweep_stats *stats)
{
    study_sweep_out o = *op;
    sim_plan *lplan = NULL;
    sim_result *lres = NULL;
    tally(e, o.pts, st, stats);
    if (st == BASE_OK)
        st = study_mark_fronts(&o);
    if (st == BASE_OK)
        st = layers_result(e, o.pts, &lplan, &lres);
    o.layers_plan = lplan;
    o.layers_res = lres;
    study_ref_peak *ref = NULL;
    if (st == BASE_OK)
        st = study_reference_peaks(e, &ref, &o.n_ref);
    o.ref = ref;
    if (st == BASE_OK)
        st = study_sweep_write(stats->out_dir, &o);
    if (st == BASE_OK)
        st = study_journal_remove(stats->out_dir);
    sim_result_free(lres);
    sim_plan_free(lplan);
    base_free(ref);
    base_free(o.front);
    base_free(o.pts);
    return st;
}

base_status study_sweep_run(const study_experiment *e, const study_sweep_opts *opts,
                            study_sweep_stats *stats)
{
    study_sweep_stats local = {0};
    study_sweep_opts defaults = {0};
    study_sweep_out o = {.e = e};
    FILE *journal = NULL;
    char jpath[4200];
    stats = stats ? stats : &local;
    opts = opts ? opts : &defaults;
    memset(stats, 0, sizeof *stats);
    stats->n_points = e->n_points;
    int n = opts->out_dir ? snprintf(stats->out_dir, sizeof stats->out_dir, "%s", opts->out_dir)
                          : snprintf(stats->out_dir, sizeof stats->out_dir, "%s/%s",
                                     opts->results_dir ? opts->results_dir : "results", e->name);
    if (n < 0 || (size_t)n >= sizeof stats->out_dir)
        return BASE_ERROR(BASE_EINVAL, "results directory name too long");
    study_journal_path(jpath, sizeof jpath, stats->out_dir, par_rank(), par_size());
    o.pts = base_calloc(e->n_points, sizeof *o.pts);
    base_status st =
        o.pts ? base_mkdir_p(stats->out_dir) : BASE_ERROR(BASE_ENOMEM, "out of memory");
    int lock_fd = -1; /* rank 0 locks the directory for every rank */
    if (st == BASE_OK && par_rank() == 0)
        st = study_lock_take(stats->out_dir, &lock_fd);
    st = par_agree(st);
    if (st == BASE_OK) {
        memcpy(o.pts, e->points, e->n_points * sizeof *o.pts);
        st = study_journal_load(e, stats->out_dir, o.pts);
    }
    for (size_t i = 0; st == BASE_OK && i < e->n_points; i++)
        stats->n_resumed += o.pts[i].done ? 1u : 0u;
    st = par_agree(st); /* every rank has read every journal before one is cut or replaced */
    if (st == BASE_OK)
        st = study_journal_open(e, jpath, &journal);
    if (st == BASE_OK)
        st = eval_points(e, opts, o.pts, journal, stats);
    if (journal && fclose(journal) != 0 && st == BASE_OK)
        st = base_error_at(BASE_EIO, jpath, 0, 0, "cannot write the sweep journal");
    st = gather(e, o.pts, st, stats);
    if (par_rank() != 0) {
        base_free(o.pts);
        return par_agree(st); /* rank 0's writing */
    }
    st = sweep_finish(e, &o, st, stats);
    study_lock_release(stats->out_dir, lock_fd);
    return par_agree(st);
}