/* study.h - studies over many design points: experiment files swept over networks x bit
 * configurations x technologies x voltages x batches x accelerators with a resume journal
 * (docs/EXPERIMENTS.md), and dynamic precision schedules (docs/DYNAMIC.md). */
#ifndef STUDY_H
#define STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"
#include "sim/sim.h"

/* ---- Experiments and sweeps (study_experiment.c, study_axes.c, study_sweep.c, study_journal.c,
 * study_write.c; format in docs/EXPERIMENTS.md) ---------------------------------------------
 * An experiment file lists networks x bit configurations x technologies x voltages x batch
 * sizes x accelerators. Loading resolves and checks everything (networks, bit files, globs,
 * technologies, voltages against each technology's range, accelerators, the architecture),
 * so a bad file fails with file:line:col before any output exists. */
typedef struct study_experiment study_experiment;

/* Loads and checks an experiment. Caller frees *out with study_experiment_free. Errors with
 * file:line:col: BASE_EIO, BASE_EPARSE, BASE_EKEY (unknown, duplicate or missing key),
 * BASE_ETYPE, BASE_ERANGE, BASE_EINVAL (empty list, bad name), BASE_ENOTFOUND (network, bit
 * configuration, file, glob, technology, accelerator), BASE_ENOMEM; *out is NULL then. */
base_status study_experiment_load(const char *path, study_experiment **out);
void study_experiment_free(study_experiment *e);
const char *study_experiment_name(const study_experiment *e);
/* Design points the sweep will produce (AP points per technology and voltage, rival points
 * once per network, bits and batch). */
size_t study_experiment_n_points(const study_experiment *e);
/* Bit-configuration entries after glob expansion, in sweep order (borrowed strings). */
size_t study_experiment_n_bits(const study_experiment *e);
const char *study_experiment_bits(const study_experiment *e, size_t i);

/* Progress callback: done of total points finished (resumed points count as done), called
 * once before the first evaluation and again after every point. Returning false stops the
 * sweep as an interruption would: no further point is evaluated, the journal keeps every
 * finished point for a later run to resume, no output is written, and study_sweep_run
 * returns BASE_ECANCELED (even when the last point was just finished). */
typedef bool (*study_progress_fn)(size_t done, size_t total, void *ctx);

typedef struct study_sweep_opts {
    const char *results_dir;    /* parent of the experiment's directory; NULL: "results" */
    const char *out_dir;        /* the output directory itself (apsim sweep -o DIR); NULL:
                                   <results_dir>/<name> */
    study_progress_fn progress; /* may be NULL: run to the end */
    void *progress_ctx;
} study_sweep_opts;

typedef struct study_sweep_stats {
    size_t n_points;            /* design points in the sweep */
    size_t n_resumed;           /* taken from the journal of an interrupted run */
    size_t n_evaluated;         /* evaluated in this run */
    size_t n_unsupported;       /* points a rival (or the AP, for capacity) cannot run */
    size_t n_plans;             /* AP plans built */
    size_t n_nofit;             /* of n_unsupported: AP points whose weights do not fit */
    const char *layers_skipped; /* "no-fit" or "unsupported" when the layers_for point could
                                   not run (no layers.csv then); NULL otherwise */
    char out_dir[4096];         /* results/<name> */
} study_sweep_stats;

/* Runs the sweep into <results_dir>/<name>/: points.csv, front.csv, summary.json,
 * plots.list, and layers.csv / efficiency.csv / efficiency.md when the experiment asks.
 * Each finished point is appended to .journal.csv there (flushed), so an interrupted run
 * resumes without redoing it; the journal is removed once every output is in place. All
 * outputs are written to temporary files and renamed together at the end. stats may be
 * NULL. BASE_EIO, BASE_ENOMEM, BASE_ECANCELED (the progress callback stopped it), or the
 * evaluation's error. */
base_status study_sweep_run(const study_experiment *e, const study_sweep_opts *opts,
                            study_sweep_stats *stats);

/* Marks the Pareto front of n points (maximise acc, minimise edp): on_front[i] = 1 when no
 * other point has acc >= and edp <= with one of them strict. Points whose acc or edp is NaN
 * are never on the front and never dominate. */
void study_pareto_mark(const double *acc, const double *edp, size_t n, int *on_front);

/* ---- Dynamic mixed precision (study_dyn_load.c, study_dyn_eval.c, study_dyn_write.c;
 * docs/DYNAMIC.md) ------------------------------------------------------------------------
 * A schedule is a stream of inferences whose bit configuration changes at run time: per
 * request (fixed or chosen by a latency/energy budget), a cascade (every input at a low
 * config, a fraction re-run at a high one; a family of fractions), or per-layer mixes that
 * alternate between consecutive inferences. The AP evaluates each distinct config once and
 * charges every request its config's plan: it has no mode state, so switching costs nothing.
 * Comparisons: the same AP fixed at the per-layer maximum precision, and the rival models of
 * accel/ with their mode-switch costs. */
typedef enum study_dyn_kind {
    STUDY_DYN_PER_REQUEST,
    STUDY_DYN_CASCADE,
    STUDY_DYN_PER_LAYER
} study_dyn_kind;

#define STUDY_DYN_MAX_RIVALS 8
/* AP bit-fluid, AP fixed-at-max, and each rival following the schedule and fixed at max. */
#define STUDY_DYN_MAX_DESIGNS (2 + 2 * STUDY_DYN_MAX_RIVALS)

typedef struct study_dyn_config {
    char *name;       /* schedule-local name (owned) */
    char *spec;       /* bit spec as written (owned) */
    net_bitcfg *bits; /* resolved against the schedule's network (owned) */
    double top1_pct;  /* `top1` of the schedule entry, else the config's published top-1 */
    int is_static;    /* 1: listed under `static:` only (a reference point, never scheduled) */
} study_dyn_config;

/* One request after `repeat` and `cycle` are expanded. */
typedef struct study_dyn_request {
    int config;       /* index into configs, or -1: chosen by the budget at evaluation */
    double budget_ms; /* latency budget per request (0: none) */
    double budget_mj; /* energy budget per request (0: none) */
} study_dyn_request;

typedef struct study_dyn_schedule {
    char *path; /* file it was loaded from (owned) */
    char *name; /* `name:` (owned) */
    study_dyn_kind kind;
    net_network *net;  /* owned */
    tech_params *tech; /* owned */
    sim_arch arch;
    double vdd_v;
    size_t n_configs; /* scheduled configs first, then `static:` reference points */
    size_t n_sched;   /* configs [0, n_sched) are scheduled, the rest `static:` ones */
    study_dyn_config *configs;
    size_t n_requests; /* per_request / per_layer */
    study_dyn_request *requests;
    int cascade_low, cascade_high; /* config indices (cascade) */
    size_t n_inputs;               /* cascade inputs per schedule */
    size_t n_fractions;            /* cascade family: fractions re-run at high precision */
    double *fractions;
    size_t n_rivals;
    const acc_model *rivals[STUDY_DYN_MAX_RIVALS];
} study_dyn_schedule;

/* Loads a schedule (format in docs/DYNAMIC.md) with its network, bit configs (relative paths
 * are looked up next to the schedule first), technology and architecture. Strict: unknown or
 * duplicate keys, wrong types, out-of-range values, empty lists, unknown config names and
 * configs without a top-1 figure are file:line:col errors (BASE_EKEY, BASE_ETYPE, BASE_ERANGE,
 * BASE_EINVAL, BASE_ENOTFOUND), plus the loaders' own errors. Free with study_dyn_free; *out is
 * NULL on failure. */
base_status study_dyn_load(const char *path, study_dyn_schedule **out);
/* Same with the network at the given input shape (NULL or n_dims 0: the schedule's
 * `input_shape:`, else the network's own). */
base_status study_dyn_load_shape(const char *path, const net_input_shape *shape,
                                 study_dyn_schedule **out);
/* Same from memory; name is used in messages and as the base for relative paths. */
base_status study_dyn_load_string(const char *name, const char *text, size_t len,
                                  study_dyn_schedule **out);
void study_dyn_free(study_dyn_schedule *s);
const char *study_dyn_kind_name(study_dyn_kind kind);

/* One request as run on the AP (bit-fluid). */
typedef struct study_dyn_row {
    size_t point; /* schedule point (cascade fraction index; 0 otherwise) */
    size_t index; /* request number within the point */
    size_t input; /* input number (= index except in cascades) */
    int rerun;    /* cascade: 1 for the high-precision re-run */
    int config;   /* index into configs */
    double budget_ms, budget_mj;
    int met;                      /* budget met (1 when there is none) */
    double latency_ns, energy_pj; /* the config's static figures, per batch */
    uint64_t n_passes;            /* AP passes of the config (sum over layers and folds) */
    double top1_pct;
} study_dyn_row;

/* Totals of one design over one schedule point. */
typedef struct study_dyn_design {
    char name[48]; /* "ap_bit_fluid", "ap_fixed_max", "<rival>", "<rival>_fixed_max" */
    int supported; /* 0: some config cannot run on it (reason says which) */
    char reason[256];
    size_t n_runs;                /* inferences run (a fixed design runs a cascade input once) */
    double latency_ns, energy_pj; /* mode switches included */
    double switch_latency_ns, switch_energy_pj; /* mode switches: within and between runs */
    size_t n_switches;                          /* switches with a non-zero cost */
    size_t n_missed;                            /* requests over their budget */
    double top1_pct;                            /* NaN when no published figure applies */
    double edp_total_js;                        /* total energy x total latency */
    double edp_per_input_js;                    /* (energy / inputs) x (latency / inputs) */
} study_dyn_design;

typedef struct study_dyn_point {
    double fraction; /* cascade: effective fraction re-run (n_rerun / n_inputs); -1 otherwise */
    size_t n_inputs, n_requests, n_rerun;
    size_t first_row; /* rows [first_row, first_row + n_requests) */
    double top1_pct;  /* schedule average accuracy (cascade: the mixing model) */
    size_t n_designs;
    study_dyn_design design[STUDY_DYN_MAX_DESIGNS];
    int best_static;               /* config index: least AP EDP with top-1 >= top1_pct */
    double best_static_edp_js;     /* its EDP per inference on the AP */
    double edp_vs_best_static_pct; /* (bit-fluid - static) / static x 100 */
} study_dyn_point;

/* Static AP figures of one config (and of the per-layer maximum). */
typedef struct study_dyn_static {
    double latency_ns, energy_pj, edp_js;
    uint64_t n_passes;
} study_dyn_static;

/* MAP bits for the weights of every scheduled config under the two storage policies. */
typedef struct study_dyn_storage {
    double msb_bits;           /* once per layer at its widest precision, read as MSB slices */
    double per_precision_bits; /* one copy per distinct width of each layer */
    double capacity_bits;      /* n_maps banks, or whole banks for msb_bits when auto */
    int msb_fits, per_precision_fits;
} study_dyn_storage;

typedef struct study_dyn_result {
    const study_dyn_schedule *sched;
    study_dyn_static *statics;   /* one per config (owned) */
    study_dyn_static max_static; /* the per-layer maximum config */
    net_bitcfg *max_bits;        /* owned */
    int max_config;              /* config equal to the maximum, or -1 */
    size_t n_rows;
    study_dyn_row *rows; /* owned */
    size_t n_points;
    study_dyn_point *points; /* owned */
    study_dyn_storage storage;
    /* Each rival's figures are moved to the schedule technology's node and supply
     * (sim_accel_basis_of_tech; docs/ACCEL.md, "One basis"): the conversion in words. */
    char rival_basis[STUDY_DYN_MAX_RIVALS][200];
} study_dyn_result;

/* Evaluates a schedule: each config once on the AP (sim_plan_new + sim_plan_eval) and on
 * every rival, then walks the requests. Errors from planning and costing (a rival's
 * BASE_EUNSUPPORTED is not an error: that design is marked unsupported). Free with
 * study_dyn_result_free. */
base_status study_dyn_eval(const study_dyn_schedule *s, study_dyn_result **out);
void study_dyn_result_free(study_dyn_result *r);

/* AP passes of a plan evaluated into res (sum over layers of the chosen candidate's passes x
 * folds): the whole work of one inference batch. */
uint64_t study_dyn_plan_passes(const sim_plan *plan, const sim_result *res);

/* Writes s as one field of plots.list ("script|data|stem|title|series|extra", read by
 * plots/make_plots.sh): '|' becomes '/', control characters spaces; for a stem (a file name)
 * everything but letters, digits, '.', '_' and '-' becomes '_'. */
void study_plots_field(FILE *fp, const char *s, bool stem);

/* Output files (C locale, fixed precision, units in the headers). BASE_EIO on write errors. */
base_status study_dyn_write_requests_csv(FILE *fp, const study_dyn_result *r);
base_status study_dyn_write_summary_csv(FILE *fp, const study_dyn_result *r);
base_status study_dyn_write_summary_json(FILE *fp, const study_dyn_result *r);
base_status study_dyn_write_family_csv(FILE *fp, const study_dyn_result *r);
base_status study_dyn_write_static_csv(FILE *fp, const study_dyn_result *r);
/* Writes requests.csv, summary.csv, summary.json, family.csv, static.csv and plots.list into
 * dir (created if needed), each atomically. */
base_status study_dyn_write_outputs(const study_dyn_result *r, const char *dir);

#endif /* STUDY_H */
