/* cli_dynamic.c - `apsim dynamic`: evaluates a run-time precision schedule (per request,
 * cascade or per-layer; experiments/dynamic/ files) on the bit-fluid AP, the AP fixed at the
 * maximum precision and the rival accelerators, prints the totals and writes requests.csv,
 * summary.csv/.json, family.csv, static.csv and plots.list into -o DIR (default results/<schedule
 * name>). Model: DYNAMIC.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct dyn_opts {
    const char *input_shape, *out, *quiet;
} dyn_opts;

static const cli_opt dyn_opts_table[] = {
    {"input-shape", 0, "NxCxHxW",
     "load the schedule's network at this input shape (in place of its\ninput_shape:)",
     offsetof(dyn_opts, input_shape)},
    {"out", 'o', "DIR",
     "the output directory (default: results/<schedule name>) for requests.csv,\n"
     "summary.csv, summary.json, family.csv, static.csv and plots.list",
     offsetof(dyn_opts, out)},
    {"quiet", 'q', NULL, "print nothing on success", offsetof(dyn_opts, quiet)},
};

const cli_cmd cli_cmd_dynamic = {
    "dynamic",
    "<schedule.yaml>",
    1,
    1,
    "run-time precision schedules: bit-fluid AP vs fixed and rivals",
    "<schedule.yaml>: a run-time precision schedule (docs/DYNAMIC.md), e.g.\n"
    "experiments/dynamic/resnet18_cascade.yaml\n",
    dyn_opts_table,
    sizeof dyn_opts_table / sizeof dyn_opts_table[0],
    NULL,
};

static void print_result(const study_dyn_result *r)
{
    const study_dyn_schedule *s = r->sched;
    const study_dyn_storage *g = &r->storage;
    printf("%s (%s): %s, %s at %.3f V, batch %u, %s\n", s->name, study_dyn_kind_name(s->kind),
           s->net->name, s->tech->name, s->vdd_v, s->arch.batch, s->arch.name);
    printf("  weights in MAPs: %.1f Mbit stored once at the widest precision (MSB slices), "
           "%.1f Mbit stored per precision; capacity %.1f Mbit%s\n",
           g->msb_bits * 1e-6, g->per_precision_bits * 1e-6, g->capacity_bits * 1e-6,
           g->per_precision_fits ? ""
           : g->msb_fits         ? " (per-precision copies do NOT fit)"
                                 : " (neither policy fits)");
    for (size_t p = 0; p < r->n_points; p++) {
        const study_dyn_point *pt = &r->points[p];
        printf("\n  ");
        if (pt->fraction >= 0)
            printf("fraction %.3f (%zu of %zu inputs re-run), ", pt->fraction, pt->n_rerun,
                   pt->n_inputs);
        printf("%zu requests, average top-1 %.3f%%; best static: %s (EDP %.4e J*s), "
               "bit-fluid AP %+.2f%%\n",
               pt->n_requests, pt->top1_pct, s->configs[pt->best_static].name,
               pt->best_static_edp_js, pt->edp_vs_best_static_pct);
        printf("  %-20s %12s %12s %14s %12s %8s %6s\n", "design", "latency_ms", "energy_mj",
               "edp/input_js", "switch_ms", "switches", "missed");
        for (size_t k = 0; k < pt->n_designs; k++) {
            const study_dyn_design *d = &pt->design[k];
            if (!d->supported) {
                printf("  %-20s unsupported: %s\n", d->name, d->reason);
                continue;
            }
            printf("  %-20s %12.4f %12.4f %14.4e %12.6f %8zu %6zu\n", d->name, d->latency_ns * 1e-6,
                   d->energy_pj * 1e-9, d->edp_per_input_js, d->switch_latency_ns * 1e-6,
                   d->n_switches, d->n_missed);
        }
    }
}

int cli_dynamic(int argc, char **argv)
{
    dyn_opts o = {0};
    const char *pos[1];
    size_t n_pos;
    int early = cli_opt_parse(&cli_cmd_dynamic, argc, argv, &o, pos, &n_pos);
    if (early < 0)
        early = cli_opt_out_dir(&cli_cmd_dynamic, o.out);
    if (early >= 0)
        return early;
    const char *sched_arg = pos[0], *shape_arg = o.input_shape;
    int quiet = o.quiet != NULL;
    char out_dir[4200];
    study_dyn_schedule *s = NULL;
    study_dyn_result *r = NULL;
    net_input_shape shape = {0};
    base_status st = shape_arg ? net_input_shape_parse(shape_arg, &shape) : BASE_OK;
    if (st != BASE_OK)
        st = BASE_ERROR(st, "--input-shape: %s", base_error_inner());
    if (st == BASE_OK)
        st = study_dyn_load_shape(sched_arg, &shape, &s);
    if (st == BASE_OK)
        st = study_dyn_eval(s, &r);
    if (st == BASE_OK) {
        if (o.out)
            snprintf(out_dir, sizeof out_dir, "%s", o.out);
        else
            snprintf(out_dir, sizeof out_dir, "results/%s", s->name);
        st = study_dyn_write_outputs(r, out_dir);
    }
    int rc = 0;
    if (st != BASE_OK) {
        fprintf(stderr, "apsim dynamic: %s\n", base_last_error());
        rc = cli_exit_code(st);
    } else if (!quiet) {
        print_result(r);
    }
    study_dyn_result_free(r);
    study_dyn_free(s);
    return rc;
}
