/* study_dyn_write.c - the outputs of a dynamic-precision schedule (docs/DYNAMIC.md):
 * requests.csv (one row per request on the bit-fluid AP), summary.csv and summary.json (every
 * design per schedule point, the best static config, weight storage), family.csv and
 * static.csv (the EDP-accuracy plot) and plots.list, in the C locale with units in the
 * headers, each written atomically. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/base_json.h"
#include "study/study_impl.h"

/* A number with fixed decimals, or nothing when it does not apply (NaN). */
static void num(FILE *fp, int decimals, double v)
{
    study_num(fp, decimals, 0, v);
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
        num(fp, 4,
            r->points[w->point].fraction >= 0 ? r->points[w->point].fraction : STUDY_NO_VALUE);
        fprintf(fp, ",%zu,%zu,%s,%s,", w->index, w->input, w->rerun ? "true" : "false",
                base_csv(s->configs[w->config].name));
        num(fp, 6, w->budget_ms > 0 ? w->budget_ms : STUDY_NO_VALUE);
        fputc(',', fp);
        num(fp, 6, w->budget_mj > 0 ? w->budget_mj : STUDY_NO_VALUE);
        fputc(',', fp);
        if (has_budget)
            fputs(w->met ? "true" : "false", fp);
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
    return study_dyn_pct_diff(d->edp_per_input_js, pt->best_static_edp_js);
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
            fprintf(fp, "%s,%s,%zu,", base_csv(s->name), study_dyn_kind_name(s->kind), p);
            num(fp, 4, pt->fraction >= 0 ? pt->fraction : STUDY_NO_VALUE);
            fprintf(fp, ",%s,%s,%zu,%zu,", base_csv(d->name), d->supported ? "true" : "false",
                    d->n_runs, pt->n_inputs);
            num(fp, 4, d->top1_pct);
            if (d->supported)
                fprintf(fp, ",%.6e,%.6e,%.6e,%.6e,%.6e,%.6e,%zu,%zu,", d->latency_ns * 1e-6,
                        d->energy_pj * 1e-9, d->edp_total_js, d->edp_per_input_js,
                        d->switch_latency_ns * 1e-6, d->switch_energy_pj * 1e-9, d->n_switches,
                        d->n_missed);
            else
                fputs(",,,,,,,,,", fp);
            fprintf(fp, "%s,%.6e,", base_csv(s->configs[pt->best_static].name),
                    pt->best_static_edp_js);
            num(fp, 3, design_vs_static(pt, d));
            fprintf(fp, ",%.3f,%.3f,%.3f\n", g->msb_bits * 1e-6, g->per_precision_bits * 1e-6,
                    g->capacity_bits * 1e-6);
        }
    }
    return base_write_status(fp);
}

/* One entry of "configs": config k, or the per-layer maximum when k == n_configs. */
static json_t *json_config(const study_dyn_result *r, size_t k)
{
    const study_dyn_schedule *s = r->sched;
    const study_dyn_static *x = k < s->n_configs ? &r->statics[k] : &r->max_static;
    json_t *j = json_object();
    base_json_put(j, "name", base_json_text(k < s->n_configs ? s->configs[k].name : "fixed_max"));
    base_json_put(j, "bits",
                  base_json_text(k < s->n_configs ? s->configs[k].spec : "per-layer maximum"));
    base_json_put(j, "role",
                  base_json_text(k == s->n_configs         ? "fixed_max"
                                 : s->configs[k].is_static ? "static"
                                                           : "scheduled"));
    base_json_put(j, "top1_pct",
                  base_json_num(k < s->n_configs     ? s->configs[k].top1_pct
                                : r->max_config >= 0 ? s->configs[r->max_config].top1_pct
                                                     : STUDY_NO_VALUE));
    base_json_put(j, "passes", json_integer((json_int_t)x->n_passes));
    base_json_put(j, "latency_ms", base_json_num(x->latency_ns * 1e-6));
    base_json_put(j, "energy_mj", base_json_num(x->energy_pj * 1e-9));
    base_json_put(j, "edp_js", base_json_num(x->edp_js));
    return j;
}

/* One design of a point: its figures, or why it cannot run the schedule. */
static json_t *json_design(const study_dyn_design *d)
{
    json_t *j = json_object();
    base_json_put(j, "name", base_json_text(d->name));
    base_json_put(j, "supported", json_boolean(d->supported));
    if (!d->supported) {
        base_json_put(j, "reason", base_json_text(d->reason));
        return j;
    }
    base_json_put(j, "runs", json_integer((json_int_t)d->n_runs));
    base_json_put(j, "latency_ms", base_json_num(d->latency_ns * 1e-6));
    base_json_put(j, "energy_mj", base_json_num(d->energy_pj * 1e-9));
    base_json_put(j, "edp_total_js", base_json_num(d->edp_total_js));
    base_json_put(j, "edp_per_input_js", base_json_num(d->edp_per_input_js));
    base_json_put(j, "switch_latency_ms", base_json_num(d->switch_latency_ns * 1e-6));
    base_json_put(j, "switch_energy_mj", base_json_num(d->switch_energy_pj * 1e-9));
    base_json_put(j, "switches", json_integer((json_int_t)d->n_switches));
    base_json_put(j, "missed", json_integer((json_int_t)d->n_missed));
    base_json_put(j, "top1_pct", base_json_num(d->top1_pct));
    return j;
}

static json_t *json_point(const study_dyn_result *r, const study_dyn_point *pt)
{
    json_t *j = json_object(), *designs = json_array();
    base_json_put(j, "fraction", base_json_num(pt->fraction >= 0 ? pt->fraction : STUDY_NO_VALUE));
    base_json_put(j, "inputs", json_integer((json_int_t)pt->n_inputs));
    base_json_put(j, "requests", json_integer((json_int_t)pt->n_requests));
    base_json_put(j, "top1_pct", base_json_num(pt->top1_pct));
    base_json_put(j, "best_static", base_json_text(r->sched->configs[pt->best_static].name));
    base_json_put(j, "best_static_edp_js", base_json_num(pt->best_static_edp_js));
    base_json_put(j, "edp_vs_best_static_pct", base_json_num(pt->edp_vs_best_static_pct));
    for (size_t k = 0; k < pt->n_designs; k++)
        base_json_push(designs, json_design(&pt->design[k]));
    base_json_put(j, "designs", designs);
    return j;
}

base_status study_dyn_write_summary_json(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    const study_dyn_storage *g = &r->storage;
    json_t *d = base_json_doc(SIM_MODEL_VERSION), *basis = json_object(), *ws = json_object();
    json_t *configs = json_array(), *points = json_array();
    base_json_put(d, "schedule", base_json_text(s->name));
    base_json_put(d, "kind", base_json_text(study_dyn_kind_name(s->kind)));
    base_json_put(d, "network", base_json_text(s->net->name));
    base_json_put(d, "technology", base_json_text(s->tech->name));
    base_json_put(d, "architecture", base_json_text(s->arch.name));
    base_json_put(d, "vdd_v", base_json_num(s->vdd_v));
    base_json_put(d, "batch", json_integer(s->arch.batch));
    for (size_t k = 0; k < s->n_rivals; k++)
        base_json_put(basis, acc_model_name(s->rivals[k]), base_json_text(r->rival_basis[k]));
    base_json_put(d, "rival_basis", basis);
    base_json_put(ws, "msb_slice_mbit", base_json_num(g->msb_bits * 1e-6));
    base_json_put(ws, "msb_slice_fits", json_boolean(g->msb_fits));
    base_json_put(ws, "per_precision_mbit", base_json_num(g->per_precision_bits * 1e-6));
    base_json_put(ws, "per_precision_fits", json_boolean(g->per_precision_fits));
    base_json_put(ws, "map_capacity_mbit", base_json_num(g->capacity_bits * 1e-6));
    base_json_put(d, "weight_storage", ws);
    for (size_t k = 0; k <= s->n_configs; k++)
        base_json_push(configs, json_config(r, k));
    base_json_put(d, "configs", configs);
    for (size_t p = 0; p < r->n_points; p++)
        base_json_push(points, json_point(r, &r->points[p]));
    base_json_put(d, "points", points);
    return base_json_write(fp, d);
}

base_status study_dyn_write_family_csv(FILE *fp, const study_dyn_result *r)
{
    fprintf(fp, "series,fraction,top1_pct,latency_per_input_ms,energy_per_input_mj,"
                "edp_per_input_js,label\n");
    for (size_t k = 0; r->n_points && k < r->points[0].n_designs; k++)
        for (size_t p = 0; p < r->n_points; p++) {
            const study_dyn_point *pt = &r->points[p];
            const study_dyn_design *d = &pt->design[k];
            double n = (double)pt->n_inputs;
            if (!d->supported || isnan(d->top1_pct))
                continue;
            fprintf(fp, "%s,", base_csv(d->name));
            num(fp, 4, pt->fraction >= 0 ? pt->fraction : STUDY_NO_VALUE);
            fprintf(fp, ",%.4f,%.6e,%.6e,%.6e,", d->top1_pct, d->latency_ns * 1e-6 / n,
                    d->energy_pj * 1e-9 / n, d->edp_per_input_js);
            if (pt->fraction >= 0)
                fprintf(fp, "f=%.2f\n", pt->fraction);
            else
                fprintf(fp, "%s\n", base_csv(r->sched->name));
        }
    return base_write_status(fp);
}

base_status study_dyn_write_static_csv(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    fprintf(fp, "series,label,top1_pct,latency_ms,energy_mj,edp_js,passes\n");
    for (size_t k = 0; k < s->n_configs; k++) {
        const study_dyn_static *x = &r->statics[k];
        fprintf(fp, "static,%s,%.2f,%.6e,%.6e,%.6e,%llu\n", base_csv(s->configs[k].name),
                s->configs[k].top1_pct, x->latency_ns * 1e-6, x->energy_pj * 1e-9, x->edp_js,
                (unsigned long long)x->n_passes);
    }
    return base_write_status(fp);
}

static base_status write_plots_list(FILE *fp, const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    char title[1024];
    snprintf(title, sizeof title, "%s: EDP per inference vs average top-1 (%s, %s %.2f V)", s->name,
             s->net->name, s->tech->name, s->vdd_v);
    fputs("dynamic|family.csv|dynamic_edp_accuracy|", fp);
    study_plots_field(fp, title, false);
    fputs("|ap_bit_fluid ap_fixed_max|static.csv\n", fp);
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
