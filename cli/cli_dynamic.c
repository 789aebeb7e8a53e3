/* cli_dynamic.c - `apsim dynamic`: evaluates a run-time precision schedule (per request,
 * cascade or per-layer; experiments/dynamic/ files) on the bit-fluid AP, the AP fixed at the
 * maximum precision and the rival accelerators, prints the totals and writes requests.csv,
 * summary.csv/.json, family.csv, static.csv and plots.list with --out. Model: DYNAMIC.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: apsim dynamic <schedule.yaml> [--input-shape NxCxHxW] [--out DIR] [--quiet]\n"
            "  <schedule.yaml>  a run-time precision schedule (docs/DYNAMIC.md), e.g.\n"
            "                   experiments/dynamic/resnet18_cascade.yaml\n"
            "  --input-shape    load the schedule's network at this input shape (in place\n"
            "                   of its input_shape:)\n"
            "  --out            directory for requests.csv, summary.csv, summary.json,\n"
            "                   family.csv, static.csv and plots.list\n"
            "  --quiet          print nothing on success\n");
}

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
    const char *sched_arg = NULL, *out_arg = NULL, *shape_arg = NULL;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            out_arg = argv[++i];
        } else if (strcmp(a, "--input-shape") == 0 && i + 1 < argc) {
            shape_arg = argv[++i];
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' || sched_arg) {
            fprintf(stderr, "apsim dynamic: error: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            sched_arg = a;
        }
    }
    if (!sched_arg) {
        usage(stderr);
        return 2;
    }
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
    if (st == BASE_OK && out_arg)
        st = study_dyn_write_outputs(r, out_arg);
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
