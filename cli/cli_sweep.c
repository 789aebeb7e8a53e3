/* cli_sweep.c - `apsim sweep`: loads an experiment file (docs/EXPERIMENTS.md), runs every
 * design point and writes results/<name>/ (or -o DIR) (points.csv, front.csv, summary.json,
 * plots.list, and layers.csv / efficiency tables on request). A progress bar (base_progress)
 * goes to stderr only when stderr is a terminal (rank 0's, under MPI: mpirun -n N apsim sweep
 * shares the points among the ranks and writes the same bytes, docs/PARALLEL.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "par/par.h"

typedef struct sweep_opts {
    const char *out, *quiet;
} sweep_opts;

static const cli_opt sweep_opts_table[] = {
    {"out", 'o', "DIR", "the output directory (default: results/<experiment name>)",
     offsetof(sweep_opts, out)},
    {"quiet", 'q', NULL, "print nothing on success", offsetof(sweep_opts, quiet)},
};

const cli_cmd cli_cmd_sweep = {
    "sweep",
    "<experiment.yaml>",
    1,
    1,
    "run an experiment file: CSV, JSON summary and plot list in results/",
    "Writes DIR/points.csv, front.csv, summary.json and plots.list; draw the plots with\n"
    "'make plots'. An interrupted sweep resumes where it stopped.\n",
    sweep_opts_table,
    sizeof sweep_opts_table / sizeof sweep_opts_table[0],
    NULL,
};

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
    sweep_opts so = {0};
    const char *pos[1];
    size_t n_pos;
    int early = cli_opt_parse(&cli_cmd_sweep, argc, argv, &so, pos, &n_pos);
    if (early < 0)
        early = cli_opt_out_dir(&cli_cmd_sweep, so.out);
    if (early >= 0)
        return early;
    const char *file = pos[0];
    int quiet = so.quiet != NULL;
    study_experiment *e = NULL;
    study_sweep_stats stats;
    study_sweep_opts opts = {.out_dir = so.out};
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
