/* cli_run.c - `apsim run`: one network under one bit configuration on one technology at one
 * supply voltage and architecture; prints the network summary and the costliest layers, and
 * writes per-layer CSV, summary CSV and JSON (atomically) with --out. Model: SIM_MODEL.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cli_opt run_opts[] = {
    CLI_POINT_OPTS,
    {"out", 'o', "DIR", "also write layers.csv, summary.csv, summary.json and ert.csv into DIR",
     offsetof(cli_point, out_arg)},
};

const cli_cmd cli_cmd_run = {
    "run",
    "<network>",
    1,
    1,
    "latency, energy, EDP of a network on the AP system, per layer and total",
    CLI_NETWORK_HELP,
    run_opts,
    sizeof run_opts / sizeof run_opts[0],
    NULL,
};

static int fail(base_status st)
{
    fprintf(stderr, "apsim run: %s\n", base_last_error());
    return cli_exit_code(st);
}

typedef struct run_out {
    const sim_plan *plan;
    const sim_result *res;
} run_out;

static base_status write_layers(FILE *fp, const void *ctx)
{
    const run_out *o = ctx;
    return sim_result_write_layers_csv(fp, o->plan, o->res);
}

static base_status write_summary(FILE *fp, const void *ctx)
{
    return sim_result_write_summary_csv(fp, ((const run_out *)ctx)->res, 1);
}

static base_status write_json(FILE *fp, const void *ctx)
{
    return sim_result_write_json(fp, ((const run_out *)ctx)->res);
}

static base_status write_ert(FILE *fp, const void *ctx)
{
    return sim_result_write_ert_csv(fp, ((const run_out *)ctx)->res);
}

static base_status write_outputs(const char *dir, const run_out *o)
{
    const base_output outs[] = {{"layers.csv", write_layers, 1},
                                {"summary.csv", write_summary, 1},
                                {"summary.json", write_json, 1},
                                {"ert.csv", write_ert, 1}};
    return base_write_set(dir, outs, sizeof outs / sizeof outs[0], o);
}

/* The run's first line: the design point. */
static void print_point(const sim_result *r)
{
    printf("%s, %s, %s", r->net->name, sim_bits_name(r->bits), sim_result_tech_name(r));
    if (isnan(r->at.vdd_v))
        printf(" (measured chip; supply not published)");
    else
        printf(" at %.3f V", r->at.vdd_v);
    printf(", batch %u, %s\n", r->arch.batch, r->arch.name);
}

/* Efficiency and area; a measured chip's die area is not published. */
static void print_efficiency(const sim_result *r)
{
    if (r->arch.kind == SIM_ARCH_MEASURED) {
        printf("  idle         %12.4f mJ per batch (idle board power over the run, not in the "
               "energy)\n",
               r->idle_energy_pj * 1e-9);
        printf("  efficiency   %12.4f TOPS/W achieved, %.4f peak (dynamic power); area not "
               "published\n",
               r->tops_per_w, r->peak.tops_per_w);
        return;
    }
    printf(
        "  efficiency   %12.4f TOPS/W achieved, %.4f peak; %.4f GOPS/s/mm2 achieved, %.4f peak\n",
        r->tops_per_w, r->peak.tops_per_w, r->gops_per_mm2, r->peak.gops_per_mm2);
    printf("  area         %12.2f mm2 (CAPs %.2f, MAPs %.2f with %s, %.1f Mbit; controller %.2f)\n",
           r->area_mm2,
           r->area_by_part_mm2[SIM_AREA_CAP_CELLS] + r->area_by_part_mm2[SIM_AREA_CAP_PERIPHERY],
           r->area_by_part_mm2[SIM_AREA_MAP_CELLS] + r->area_by_part_mm2[SIM_AREA_MAP_PERIPHERY],
           r->map_tech->name, r->map_bits * 1e-6, r->area_by_part_mm2[SIM_AREA_CONTROLLER]);
}

static void print_summary(const sim_plan *plan, const sim_result *r)
{
    print_point(r);
    printf("  latency      %12.4f ms per batch (%.1f inferences/s)\n", r->latency_ns * 1e-6,
           r->throughput_inf_s);
    printf("  energy       %12.4f mJ per batch (%.3f pJ per MAC)\n", r->energy_pj * 1e-9,
           r->macs ? r->energy_pj / (double)r->macs : 0.0);
    printf("    by component (mJ):");
    for (int k = 0; k < SIM_COMP_COUNT; k++)
        printf("%s %s %.4f", k ? "," : "", sim_component_name((sim_component)k),
               r->by_component_pj[k] * 1e-9);
    printf("\n    by phase (mJ):    ");
    for (int k = 0; k < SIM_PHASE_COUNT; k++)
        printf("%s %s %.4f", k ? "," : "", sim_phase_name((sim_phase)k), r->by_phase_pj[k] * 1e-9);
    printf("\n  EDP          %12.4e J*s\n", r->edp_pj_ns * 1e-21);
    print_efficiency(r);
    if (isfinite(r->wear.lifetime_inferences))
        printf("  wear         %.3g writes per CAP cell per inference at most; endurance %.3g: "
               "%.3g inferences\n",
               r->wear.cap_max, r->wear.endurance_writes, r->wear.lifetime_inferences);
    if (r->note[0])
        printf("  note         %s\n", r->note);
    printf("  laws         energy: %s; delay: %s; write: %s; leakage: %s\n", r->at.energy_law,
           r->at.delay_law, r->at.write_law, r->at.leak_law);
    printf("\n  %-28s %8s %9s %9s %12s %12s\n", "layer", "chunk_k", "folds", "passes", "latency_us",
           "energy_uj");
    for (size_t i = 0; i < r->n_layers; i++) {
        const sim_layer_result *lr = &r->layers[i];
        const sim_candidate *c = &sim_plan_layer(plan, i)->cand[lr->chosen];
        if (lr->energy_pj <= 0)
            continue;
        printf("  %-28s %8llu %9llu %9llu %12.3f %12.3f\n", r->net->layers[i].name,
               (unsigned long long)c->chunk_k, (unsigned long long)c->n_folds,
               (unsigned long long)(c->n_passes * c->n_folds), lr->latency_ns * 1e-3,
               lr->energy_pj * 1e-6);
    }
}

int cli_run(int argc, char **argv)
{
    cli_point pt;
    cli_point_init(&pt);
    int early = cli_point_parse(&pt, &cli_cmd_run, argc, argv);
    if (early < 0)
        early = cli_opt_out_dir(&cli_cmd_run, pt.out_arg);
    if (early >= 0)
        return early;
    const char *out_arg = pt.out_arg;
    int quiet = pt.quiet != NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    int rc = 0;
    base_status st = cli_point_load(&pt);
    if (st == BASE_OK)
        st = sim_plan_new(pt.net, pt.bits, &pt.arch, &plan);
    if (st == BASE_OK)
        st = sim_result_new(plan, &res);
    if (st == BASE_OK)
        st = sim_plan_eval(plan, pt.tech, pt.vdd_v, res);
    if (st == BASE_OK && out_arg) {
        run_out o = {plan, res};
        st = write_outputs(out_arg, &o);
    }
    if (st != BASE_OK)
        rc = fail(st);
    else if (!quiet)
        print_summary(plan, res);
    sim_result_free(res);
    sim_plan_free(plan);
    cli_point_fini(&pt);
    return rc;
}
