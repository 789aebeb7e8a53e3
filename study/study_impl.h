/* study_impl.h - internal to study/ (not installed, not included outside the folder): the
 * experiment's representation and design points shared by the sweep's files (schema and
 * loading in study_experiment.c and study_axes.c, the run in study_sweep.c, hashing and the
 * resume journal in study_journal.c, series, fronts and writers in study_write.c), and the
 * helpers the dynamic-precision files share (study_dyn_load.c, study_dyn_eval.c,
 * study_dyn_write.c). The public API is study.h. */
#ifndef STUDY_IMPL_H
#define STUDY_IMPL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg/cfg.h"
#include "study/study.h"

/* ---- Sweeps ---------------------------------------------------------------------------- */

/* Plots an experiment may ask for (each a script in plots/), as bits of study_experiment.plots. */
enum {
    STUDY_PLOT_EDP_ACCURACY = 1,
    STUDY_PLOT_LAYER_ENERGY = 2,
    STUDY_PLOT_EDP_VDD = 4,
    STUDY_PLOT_BATCH = 8,
    STUDY_PLOT_NODE = 16
};

/* Dimensions a plot series can be made of, in the order they are joined (study_experiment.dims). */
enum {
    STUDY_DIM_NETWORK = 1,
    STUDY_DIM_BITS = 2,
    STUDY_DIM_ACCEL = 4,
    STUDY_DIM_TECH = 8,
    STUDY_DIM_VDD = 16,
    STUDY_DIM_BATCH = 32,
    STUDY_DIM_NODE = 64
};

#define STUDY_NO_TECH ((size_t)-1) /* a rival's point: no apsim technology */

/* Outcome of a design point, indexing study_status_names. */
enum { STUDY_PT_OK, STUDY_PT_UNSUPPORTED, STUDY_PT_NOFIT };
extern const char *const study_status_names[]; /* "ok", "unsupported", "no-fit" */

/* One design point and, once evaluated, its figures (per batch; NaN when not applicable). */
typedef struct study_point {
    size_t net, bits, batch, accel, tech; /* indices; tech is STUDY_NO_TECH for rivals */
    double vdd_v;                         /* NaN for rivals */
    const char *energy_law, *delay_law;   /* static strings from tech_scale ("" for rivals) */
    int done, status, pareto;
    double latency_ns, energy_pj;
    double e_comp_pj[SIM_COMP_COUNT]; /* energy by component (NaN for rivals) */
    double tops_per_w, gops_per_mm2, inf_s, area_mm2, peak_tops_per_w;
    uint64_t macs;
    char path[40];    /* rival datapath ("" for the AP) */
    char series[200]; /* plot series */
} study_point;

/* A published figure of another in-memory accelerator (efficiency table). */
typedef struct study_published {
    char *name, *source, *relative;
    double gops_per_w, gops_per_mm2; /* NaN when not published */
    double node_nm;                  /* the node of the figures; NaN when not given */
} study_published;

/* The AP's peak at a published system's node, per technology (study_reference.c). */
typedef struct study_ref_peak {
    size_t pub, tech;
    double node_nm, vdd_v;           /* the moved technology's node and nominal supply */
    double tops_per_w, gops_per_mm2; /* NaN when the technology cannot be moved */
    char note[160];
} study_ref_peak;
/* For every published system with node_nm and every technology of e: the technology moved
 * to that node (tech_params_at_node) and the peak of e's first network, bits and batch on it
 * at its nominal supply. *out (caller frees) holds *n rows. A technology that cannot be moved
 * gets a row with NaN figures and the reason; other errors are the planner's. */
base_status study_reference_peaks(const study_experiment *e, study_ref_peak **out, size_t *n);

struct study_experiment {
    char *path, *name, *description;
    uint64_t hash; /* FNV-1a of SIM_MODEL_VERSION and every input file: a journal written
                      from other inputs or another cost model is not reused */
    size_t n_nets;
    net_network **nets;
    size_t n_bits;
    char **bits;        /* entries after glob expansion */
    net_bitcfg **cfgs;  /* n_nets x n_bits */
    double *top1;       /* n_nets x n_bits, NaN when unknown */
    char (*labels)[16]; /* n_nets x n_bits */
    size_t n_techs;
    tech_params **techs; /* with a node axis: each listed table moved to each node, table-major */
    size_t n_nodes;      /* node_nm axis (0: none, every table at its own node) */
    double *nodes;
    size_t n_src_techs; /* with a node axis: the tables as listed (owned) */
    tech_params **src_techs;
    size_t *n_vdd;  /* per technology */
    double **vdd_v; /* per technology, ascending */
    size_t n_batch;
    unsigned *batch;
    sim_arch arch;
    size_t n_accels;
    sim_accel *accels; /* model NULL for the AP and for measured chips */
    sim_arch *chips;   /* per accelerator: a measured-table chip (kind SIM_ARCH_MEASURED) run
                          by apsim's planner, listed by its preset name; zeroed otherwise */
    unsigned plots, dims;
    int has_layers;
    size_t layers_point;
    size_t n_pub;
    study_published *pub;
    char *pub_path;
    size_t n_points;
    study_point *points;
};

/* 1 when accelerator a of e is a measured-table chip (sim/arch/<name>.yaml of kind measured):
 * one point per network, bits and batch, like a rival, but planned by apsim. */
static inline int study_is_chip(const study_experiment *e, size_t a)
{
    return e->chips && e->chips[a].kind == SIM_ARCH_MEASURED;
}

/* Loading helpers shared by study_experiment.c and study_axes.c. */
int study_file_exists(const char *path);
/* A non-empty sequence (BASE_ETYPE / BASE_EINVAL otherwise). */
base_status study_nonempty_seq(const cfg_node *n, const char *what);
/* 1 when key names bit configuration b of the experiment's bits axis (its entry, the scheme
 * it resolves to for network net, or its file name without .yaml). */
int study_names_bits(const study_experiment *e, size_t net, size_t b, const char *key);
/* The axes of an experiment, each from its key's node (NULL when the key is absent and the
 * axis has a default); errors at file:line:col. */
base_status study_load_networks(study_experiment *e, const cfg_node *seq);
base_status study_load_bits(study_experiment *e, const cfg_node *seq);
base_status study_load_accuracy(study_experiment *e, const cfg_node *map);
base_status study_load_techs(study_experiment *e, const cfg_node *seq);
/* node_nm: replaces e->techs by every listed table moved to every node (tech_params_at_node),
 * keeping the tables as listed in e->src_techs. Before study_load_vdd. */
base_status study_load_nodes(study_experiment *e, const cfg_node *seq);
/* The name of technology t as the experiment lists it (without the node a node axis adds). */
const char *study_tech_name(const study_experiment *e, size_t t);
base_status study_load_vdd(study_experiment *e, const cfg_node *seq, const cfg_node *root);
base_status study_load_batch(study_experiment *e, const cfg_node *seq);
base_status study_load_accels(study_experiment *e, const cfg_node *seq);

/* Hashing of the inputs (study_journal.c): starts e->hash from the cost-model version, then
 * folds input files in, either by path or by the shipped name they resolve to under dir. */
void study_hash_start(study_experiment *e);
void study_hash_file(study_experiment *e, const char *path);
void study_hash_named(study_experiment *e, const char *name, const char *dir);

/* The resume journals (study_journal.c): <dir>/.journal.csv for a run of one rank,
 * <dir>/.journal.<rank>.csv for each rank of a sharded one (docs/PARALLEL.md).
 * study_journal_path names this rank's. study_journal_load takes in the whole lines of every
 * journal in dir written from e's inputs (any rank count), marking those points done; it
 * reads only. study_journal_open opens this rank's journal for appending: one of the same
 * inputs keeps its whole lines (a torn last line is cut off), any other is replaced.
 * study_journal_write appends point i and flushes. study_journal_remove deletes every
 * journal in dir. */
void study_journal_path(char *path, size_t cap, const char *dir, int rank, int size);
base_status study_journal_load(const study_experiment *e, const char *dir, study_point *pts);
base_status study_journal_open(const study_experiment *e, const char *path, FILE **out);
void study_journal_write(FILE *fp, size_t i, const study_point *p);
base_status study_journal_remove(const char *dir);

/* The results directory's advisory lock (<dir>/.lock, flock): one sweep writes a directory at
 * a time. study_lock_take fails at once with BASE_EIO ("another apsim sweep is writing this
 * results directory") when another process holds it; study_lock_release (fd < 0: nothing
 * taken) removes the file and lets go. */
base_status study_lock_take(const char *dir, int *fd_out);
void study_lock_release(const char *dir, int fd);

/* The basis a rival point of e is moved to (study_sweep.c): the experiment's first technology
 * at its nominal supply (docs/EXPERIMENTS.md, "Rivals' basis"). Errors of sim_accel_basis_at. */
base_status study_rival_basis(const study_experiment *e, size_t accel, sim_accel_basis *out);

/* What the writers read (study_write.c). */
typedef struct study_sweep_out {
    const study_experiment *e;
    study_point *pts;
    size_t *front; /* indices of Pareto points by network, batch, then EDP (owned) */
    size_t n_front;
    const sim_plan *layers_plan;
    const sim_result *layers_res;
    const study_ref_peak *ref; /* the AP's peak at the published nodes */
    size_t n_ref;
} study_sweep_out;

/* Names p's plot series from the experiment's series dimensions. */
void study_series_name(const study_experiment *e, study_point *p);
/* Marks the Pareto points per network and batch and lists them in o->front. BASE_ENOMEM. */
base_status study_mark_fronts(study_sweep_out *o);
/* Writes every output into dir, all renamed into place together. */
base_status study_sweep_write(const char *dir, const study_sweep_out *o);

/* ---- Shared by sweeps and dynamic precision ----------------------------------------------- */

/* One AP design point: plans bits of net on arch (sim_plan_new) and evaluates it on tech at
 * vdd_v into a new result. The caller frees *plan and *res, also on failure (either may be
 * NULL then). The planner's and evaluator's errors, BASE_ECAPACITY among them. */
base_status study_plan_eval(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                            const tech_params *tech, double vdd_v, sim_plan **plan,
                            sim_result **res);

/* v with prec decimals (fixed, or in exponent form when sci), or nothing for NaN. */
void study_num(FILE *fp, int prec, int sci, double v);

/* ---- Dynamic precision ------------------------------------------------------------------- */

/* A figure that does not apply (printed as an empty CSV field or JSON null). */
#define STUDY_NO_VALUE ((double)NAN)

/* Inputs of n re-run at high precision for a cascade fraction (nearest whole number). */
size_t study_dyn_rerun_count(double fraction, size_t n);
/* Relative difference in percent; rounding noise of summing n equal requests and dividing by
 * n again (|d| < 1e-9 %) reads as the exact zero it is. */
double study_dyn_pct_diff(double x, double ref);

#endif /* STUDY_IMPL_H */
