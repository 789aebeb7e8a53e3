/* cli_sweep.c - `apsim sweep`: loads an experiment file (docs/EXPERIMENTS.md), runs every
 * design point and writes results/<name>/ (points.csv, front.csv, summary.json, plots.list,
 * and layers.csv / efficiency tables on request). A progress bar (base_progress) goes to stderr
 * only when stderr is a terminal (rank 0's, under MPI: mpirun -n N apsim sweep shares the points
 * among the ranks and writes the same bytes, docs/PARALLEL.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "par/par.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: apsim sweep <experiment.yaml> [--results DIR] [--quiet]\n"
                "  --results  parent directory of the outputs (default: results)\n"
                "  --quiet    print nothing on success\n"
                "Writes <results>/<name>/points.csv, front.csv, summary.json and plots.list;\n"
                "draw the plots with 'make plots'. An interrupted sweep resumes where it "
                "stopped.\n");
}

/* The sweep's bar (base_progress); the sweep always goes on. */
static bool progress_step(size_t done, size_t total, void *ctx)
{
    base_progress *bar = ctx;
    bar->total = total;
    base_progress_update(bar, done);
    return true;
}

int cli_sweep(int argc, char **argv)
{
    const char *file = NULL, *results = "results";
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--results") == 0 && i + 1 < argc) {
            results = argv[++i];
            if (!*results) {
                fprintf(stderr, "apsim sweep: error: --results needs a directory\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (argv[i][0] == '-' || file) {
            fprintf(stderr, "apsim sweep: error: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            file = argv[i];
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }
    study_experiment *e = NULL;
    study_sweep_stats stats;
    study_sweep_opts opts = {.results_dir = results};
    /* Every rank loads the experiment; a rank that cannot stops them all (docs/PARALLEL.md). */
    base_status st = par_agree(study_experiment_load(file, &e));
    base_progress bar;
    base_progress_begin(&bar, st == BASE_OK && par_rank() == 0 ? base_progress_stream() : NULL,
                        "apsim sweep", "points", 0);
    if (bar.fp) {
        opts.progress = progress_step;
        opts.progress_ctx = &bar;
    }
    if (st == BASE_OK)
        st = study_sweep_run(e, &opts, &stats);
    base_progress_end(&bar);
    if (st != BASE_OK) {
        if (par_rank() == 0) /* the ranks agreed on the error: one of them says it */
            fprintf(stderr, "apsim sweep: %s\n", base_last_error());
        study_experiment_free(e);
        return cli_exit_code(st);
    }
    if (!quiet) {
        printf("%s: %zu design points (%zu resumed, %zu evaluated, %zu AP plans), %zu "
               "unsupported -> %s/\n",
               study_experiment_name(e), stats.n_points, stats.n_resumed, stats.n_evaluated,
               stats.n_plans, stats.n_unsupported, stats.out_dir);
        printf("  points.csv, front.csv, summary.json, plots.list; draw with 'make plots'\n");
    }
    if (stats.layers_skipped && par_rank() == 0)
        fprintf(stderr,
                "apsim sweep: warning: the layers_for point is %s: no layers.csv and no "
                "layer_energy plot\n",
                stats.layers_skipped);
    study_experiment_free(e);
    return 0;
}
