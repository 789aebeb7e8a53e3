/* sim.h - the simulator: wires technology tables, the AP core, networks and the rival
 * accelerator models together into runs, sweeps and reports, and owns the command line.
 * Everything users run goes through here; the lower modules know nothing of it. */
#ifndef SIM_H
#define SIM_H

#include <stdint.h>
#include <stdio.h>

#include "accel/accel.h"
#include "ap_core/ap.h"
#include "networks/net.h"
#include "sim/sim_base.h"
#include "tech/tech.h"

/* ---- Atomic output files -------------------------------------------------------------
 * Outputs are written to "<path>.tmp.<pid>" and renamed over path on commit, so a failed run
 * never leaves a half-written file. */
typedef struct sim_outfile {
    FILE *fp;       /* write here */
    char *path;     /* final path (owned) */
    char *tmp_path; /* temporary path (owned) */
} sim_outfile;

/* Opens a temporary file next to path. SIM_EIO or SIM_ENOMEM on failure. */
sim_status sim_outfile_open(sim_outfile *f, const char *path);
/* Flushes, closes and renames onto the final path; on any failure removes the temporary
 * file and returns SIM_EIO. Always releases f's memory. */
sim_status sim_outfile_commit(sim_outfile *f);
/* Closes and removes the temporary file; releases f's memory. Safe on a zeroed f. */
void sim_outfile_abort(sim_outfile *f);

/* Writes a whole file atomically: opens path's temporary file, calls fn(fp, ctx), commits
 * on SIM_OK and aborts otherwise. Returns fn's or the commit's status. */
typedef sim_status (*sim_writer_fn)(FILE *fp, const void *ctx);
sim_status sim_write_atomic(const char *path, sim_writer_fn fn, const void *ctx);

/* One output of a set written by sim_write_set: file name inside the directory, the writer,
 * and whether it is written at all this time. */
typedef struct sim_output {
    const char *file;
    sim_writer_fn fn;
    int on;
} sim_output;
/* Writes a set of files into dir (created if needed): every enabled file goes to its
 * temporary name first; only when all were written are they renamed into place, otherwise
 * every temporary file is removed. ctx is passed to each writer. */
sim_status sim_write_set(const char *dir, const sim_output *outs, size_t n, const void *ctx);
/* SIM_EIO "write error" when fp has an error indicator set, else SIM_OK. */
sim_status sim_write_status(FILE *fp);
/* Writes s as a JSON string: quotes, backslashes and control characters escaped. */
void sim_json_str(FILE *fp, const char *s);
/* Re-raises the last error at YAML node n ("what: " prefixed when what is not NULL) unless it
 * already names a position in some file, which is then kept as the more useful one. */
struct cfg_node;
sim_status sim_error_at_node(const struct cfg_node *n, sim_status st, const char *what);
/* EDP in J*s from energy in pJ and latency in ns (1e-12 x 1e-9). */
static inline double sim_edp_js(double energy_pj, double latency_ns)
{
    return energy_pj * latency_ns * 1e-21;
}

/* Creates a directory and its parents (mkdir -p). SIM_EIO on failure. */
sim_status sim_mkdir_p(const char *path);

/* ---- Architecture (BF-IMNA-style AP system) -------------------------------------------
 * Loaded from YAML (sim/arch/bf_imna.yaml is the default preset); docs/SIM_MODEL.md gives
 * every parameter's meaning and why its default was chosen. */
typedef struct sim_arch {
    char name[64];
    unsigned n_caps;             /* computation APs (2D) */
    unsigned cap_rows;           /* rows per CAP */
    unsigned cap_cols;           /* bit-columns per CAP row */
    unsigned ml_segment_cols;    /* match-line segment: cells precharged per compared column */
    unsigned n_maps;             /* memory APs (1D) */
    unsigned map_rows, map_cols; /* words per MAP and bits per word */
    double map_access_fj_per_bit;
    double bus_bits_per_cycle; /* MAP <-> CAP interconnect width */
    double bus_clock_ghz;
    double bus_energy_pj_per_bit;
    double ctrl_energy_pj_per_cycle; /* per CAP per compare or write cycle */
    double ctrl_area_fraction;       /* periphery area as a fraction of cell area */
    unsigned batch;
} sim_arch;

/* Loads an architecture file; every key is required, unknown/duplicate keys are errors. */
sim_status sim_arch_load(const char *path, sim_arch *out);
/* Resolves a name ("bf_imna") or a path to a file (sim/arch/<name>.yaml under the current
 * directory, $APSIM_DATA, or the install prefix) and loads it. */
sim_status sim_arch_find(const char *name_or_path, sim_arch *out);

/* ---- Plans: the technology-independent part of a run ------------------------------------
 * For each layer, every candidate mapping (K-chunk per row) with its AP counts taken from
 * ap_core's closed-form costs. A plan is built once per (network, bits, architecture) and
 * evaluated cheaply at any technology and voltage (docs/SIM_MODEL.md). */
#define SIM_MAX_CANDIDATES 24

/* AP work of one candidate mapping. Per-fold counts are identical in every fold (all CAPs
 * run the same pass sequence in lockstep); energies scale with rows actually used. */
typedef struct sim_candidate {
    uint64_t chunk_k;      /* K elements accumulated per row (0 for non-GEMM layers) */
    uint64_t n_chunks;     /* rows per output element = ceil(K / chunk_k) */
    uint64_t n_slots;      /* operand pairs a row holds at once (reloaded as MACs use them) */
    unsigned acc_bits;     /* accumulator width */
    unsigned row_cols;     /* bit-columns a row needs */
    uint64_t n_rows;       /* rows used, summed over folds */
    uint64_t n_folds;      /* sequential rounds when rows run out */
    uint64_t n_cap_rounds; /* CAPs busy, summed over folds */
    /* Per fold, per CAP (cycles): */
    uint64_t n_passes, n_compares, n_writes, n_plane_writes, n_plane_reads;
    uint64_t compared_cols;       /* sum over compares of unmasked columns */
    double written_cells_per_row; /* expected written cells per used row (uniform data) */
    double bus_bits;              /* bits moved between MAPs and CAPs, whole layer */
} sim_candidate;

typedef struct sim_layer_plan {
    uint64_t gemm_m, gemm_n, gemm_k; /* 0 for non-GEMM layers */
    net_layer_bits bits;
    size_t n_candidates;
    sim_candidate cand[SIM_MAX_CANDIDATES];
} sim_layer_plan;

typedef struct sim_plan sim_plan;

/* Builds the plan of net under bits on arch. SIM_ECAPACITY when a layer fits no candidate
 * (operands wider than a row, accumulator above 32 bits), SIM_ENOMEM. The plan borrows net
 * and bits: keep them alive while it lives. Free with sim_plan_free. */
sim_status sim_plan_new(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                        sim_plan **out);
void sim_plan_free(sim_plan *plan);
const sim_layer_plan *sim_plan_layer(const sim_plan *plan, size_t i);

/* ---- Results -------------------------------------------------------------------------- */
typedef struct sim_layer_result {
    size_t layer;      /* index into the network */
    size_t chosen;     /* index of the chosen candidate in the layer plan */
    double latency_ns; /* per inference batch */
    double energy_search_pj, energy_write_pj, energy_move_pj, energy_leak_pj, energy_periph_pj;
    double energy_pj; /* sum of the five */
    double edp_pj_ns;
} sim_layer_result;

typedef struct sim_result {
    const net_network *net;
    const net_bitcfg *bits;
    const tech_params *tech;
    sim_arch arch;
    tech_at_vdd at; /* technology figures used, with the laws that produced them */
    size_t n_layers;
    sim_layer_result *layers;                /* owned */
    double latency_ns, energy_pj, edp_pj_ns; /* per batch */
    double energy_search_pj, energy_write_pj, energy_move_pj, energy_leak_pj, energy_periph_pj;
    uint64_t macs;           /* per batch */
    double throughput_inf_s; /* inferences per second */
    double tops_per_w;       /* 2 x MACs per joule / 1e12 */
    double area_mm2;         /* CAPs + MAPs incl. periphery and controller */
    double gops_per_mm2;     /* 2 x MACs per second per mm^2 / 1e9 */
} sim_result;

/* Evaluates plan on tech at vdd_v, choosing for each layer the candidate of least EDP.
 * res->layers must hold sim_plan_n_layers(plan) entries (sim_result_new does that).
 * Errors from tech_scale (SIM_ERANGE for Vdd outside the technology's range). No
 * allocation: safe inside sweeps. */
sim_status sim_plan_eval(const sim_plan *plan, const tech_params *tech, double vdd_v,
                         sim_result *res);
size_t sim_plan_n_layers(const sim_plan *plan);
sim_status sim_result_new(const sim_plan *plan, sim_result **out);
void sim_result_free(sim_result *res);

/* One-shot: plan + eval. Free *out with sim_result_free. */
sim_status sim_run(const net_network *net, const net_bitcfg *bits, const sim_arch *arch,
                   const tech_params *tech, double vdd_v, sim_result **out);

/* Per-layer CSV (header with units), network summary CSV and JSON. SIM_EIO on write error.
 * plan must be the one res was evaluated from. */
sim_status sim_result_write_layers_csv(FILE *fp, const sim_plan *plan, const sim_result *res);
sim_status sim_result_write_summary_csv(FILE *fp, const sim_result *res, int header);
sim_status sim_result_write_json(FILE *fp, const sim_result *res);

/* ---- Rival accelerators on apsim networks ----------------------------------------------- */
typedef struct sim_accel {
    const acc_model *model;
    acc_params *params; /* owned */
} sim_accel;

/* Opens a model by name ("sparq", "potacc", "bitsys", "axbxp") with its calibrated
 * parameters (accel/calibrated/<name>.yaml, found like other data files). Close with
 * sim_accel_close. */
sim_status sim_accel_open(const char *name, sim_accel *out);
void sim_accel_close(sim_accel *a);
/* Converts the conv/FC layers of net under bits into acc_layers (layers must hold
 * net->n_layers entries); *n_out receives how many were written. */
sim_status sim_accel_layers(const net_network *net, const net_bitcfg *bits, unsigned batch,
                            acc_layer *layers, size_t *n_out);
/* Whole-network cost on the model (conv/FC only, mode switches included). */
sim_status sim_accel_run(sim_accel *a, const net_network *net, const net_bitcfg *bits,
                         unsigned batch, acc_cost *total);

/* ---- Experiments and sweeps (sim_sweep.c; format in docs/EXPERIMENTS.md) ----------------
 * An experiment file lists networks x bit configurations x technologies x voltages x batch
 * sizes x accelerators. Loading resolves and checks everything (networks, bit files, globs,
 * technologies, voltages against each technology's range, accelerators, the architecture),
 * so a bad file fails with file:line:col before any output exists. */
typedef struct sim_experiment sim_experiment;

/* Version of the cost model, folded into the sweep journal's header with the contents of
 * every input file (experiment, networks, bit configurations, technologies, architecture,
 * published table): a journal written under another version is not reused. Bump it whenever
 * a code change alters any cost figure. */
#define SIM_MODEL_VERSION "apsim-cost-model 2026-11-23"

/* Loads and checks an experiment. Caller frees *out with sim_experiment_free. Errors with
 * file:line:col: SIM_EIO, SIM_EPARSE, SIM_EKEY (unknown, duplicate or missing key),
 * SIM_ETYPE, SIM_ERANGE, SIM_EINVAL (empty list, bad name), SIM_ENOTFOUND (network, bit
 * configuration, file, glob, technology, accelerator), SIM_ENOMEM; *out is NULL then. */
sim_status sim_experiment_load(const char *path, sim_experiment **out);
void sim_experiment_free(sim_experiment *e);
const char *sim_experiment_name(const sim_experiment *e);
/* Design points the sweep will produce (AP points per technology and voltage, rival points
 * once per network, bits and batch). */
size_t sim_experiment_n_points(const sim_experiment *e);
/* Bit-configuration entries after glob expansion, in sweep order (borrowed strings). */
size_t sim_experiment_n_bits(const sim_experiment *e);
const char *sim_experiment_bits(const sim_experiment *e, size_t i);

/* Progress callback: done of total points finished (resumed points count as done). */
typedef void (*sim_progress_fn)(size_t done, size_t total, void *ctx);

typedef struct sim_sweep_opts {
    const char *results_dir;  /* parent of the experiment's directory; NULL: "results" */
    sim_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    size_t stop_after; /* test hook: fail with SIM_EIO after this many newly evaluated points,
                          leaving the journal behind as an interruption would (0: never) */
} sim_sweep_opts;

typedef struct sim_sweep_stats {
    size_t n_points;            /* design points in the sweep */
    size_t n_resumed;           /* taken from the journal of an interrupted run */
    size_t n_evaluated;         /* evaluated in this run */
    size_t n_unsupported;       /* points a rival (or the AP, for capacity) cannot run */
    size_t n_plans;             /* AP plans built */
    size_t n_nofit;             /* of n_unsupported: AP points whose weights do not fit */
    const char *layers_skipped; /* "no-fit" or "unsupported" when the layers_for point could
                                   not run (no layers.csv then); NULL otherwise */
    char out_dir[4096];         /* results/<name> */
} sim_sweep_stats;

/* Runs the sweep into <results_dir>/<name>/: points.csv, front.csv, summary.json,
 * plots.list, and layers.csv / efficiency.csv / efficiency.md when the experiment asks.
 * Each finished point is appended to .journal.csv there (flushed), so an interrupted run
 * resumes without redoing it; the journal is removed once every output is in place. All
 * outputs are written to temporary files and renamed together at the end. stats may be
 * NULL. SIM_EIO, SIM_ENOMEM, or the evaluation's error. */
sim_status sim_sweep_run(const sim_experiment *e, const sim_sweep_opts *opts,
                         sim_sweep_stats *stats);

/* Marks the Pareto front of n points (maximise acc, minimise edp): on_front[i] = 1 when no
 * other point has acc >= and edp <= with one of them strict. Points whose acc or edp is NaN
 * are never on the front and never dominate. */
void sim_pareto_mark(const double *acc, const double *edp, size_t n, int *on_front);

/* Label of a bit configuration from its inner conv/FC layers (all but the first and the
 * last, which HAWQ-V3's INT4 and common practice keep at 8 bits; all of them when there are
 * two or fewer): "INT8" / "INT4" when every one is at w = a = 8 / 4, "INTn" for other equal
 * widths, "WxAy" for other uniform widths, "mixed" otherwise. Writes into buf; returns it. */
const char *sim_bits_label(const net_network *net, const net_bitcfg *bits, char *buf, size_t cap);
/* Name of a bit configuration in outputs: its scheme when it has one, else its name. */
static inline const char *sim_bits_name(const net_bitcfg *bits)
{
    return bits->scheme ? bits->scheme : bits->name;
}

/* ---- Bit-exact quantized inference (sim_infer.c, docs/INFERENCE.md) ----------------------
 * A quantized model gives every layer of a network its integer parameters under a bit
 * configuration; sim_infer_reference runs it in plain C, sim_infer_ap runs the same integer
 * arithmetic on ap_core arrays with the plan's chosen mapping (one array per fold), and the
 * two agree bit for bit. Tensors are int32 arrays laid out [c][y][x]; a tensor of b bits
 * holds signed b-bit values. */

/* Dyadic requantization of a layer's result from src bits to o bits (HAWQ-V3): when src > 16,
 * v := round(v / 2^pre_shift) mod 2^16 first; then y := round(v * scale_b / 2^shift) mod 2^o
 * (round half up). scale_b is a signed m-bit multiplier, m = o + 1 capped at 16. */
typedef struct sim_requant {
    unsigned pre_shift; /* 1 .. src-1 when src > 16, else 0 */
    int32_t scale_b;    /* 0 .. 2^(m-1) - 1 */
    unsigned shift;     /* 1 .. min(src, 16) + m - 1 */
} sim_requant;

typedef struct sim_qlayer {
    int32_t *weight;  /* conv/fc: c_out x K (K = c_in x kh x kw), signed w_bits (owned) */
    int32_t *bias;    /* conv/fc: c_out, added to the accumulator, or NULL (owned) */
    sim_requant rq;   /* used when the layer narrows its result (o_bits < result bits) */
    double w_scale;   /* real value of one weight LSB (1 for synthetic models) */
    double out_scale; /* real value of one output LSB (set by calibration) */
} sim_qlayer;

typedef struct sim_qmodel {
    const net_network *net; /* borrowed */
    const net_bitcfg *bits; /* borrowed */
    double in_scale;        /* real value of one input LSB */
    sim_qlayer *layers;     /* net->n_layers (owned) */
} sim_qmodel;

/* A model with zero weights, zero biases (allocated for the layers that have one) and
 * identity-like requantization. Groups other than 1 are SIM_EUNSUPPORTED; SIM_ENOMEM. Free
 * with sim_qmodel_free. */
sim_status sim_qmodel_new(const net_network *net, const net_bitcfg *bits, sim_qmodel **out);
void sim_qmodel_free(sim_qmodel *qm);
/* Seeded synthetic weights (uniform over w_bits) and biases. */
void sim_qmodel_synthetic(sim_qmodel *qm, uint64_t seed);
/* Seeded synthetic input of n_images (signed input_bits values). */
void sim_infer_synthetic_input(const net_network *net, unsigned input_bits, uint64_t seed,
                               size_t n_images, int32_t *input);
/* Chooses every layer's requantization so that the largest magnitude seen on n_images
 * calibration inputs maps to the top of the o-bit range (half of it for tensors that feed a
 * residual add), running the reference layer by layer; also sets out_scale. SIM_ENOMEM. */
sim_status sim_qmodel_calibrate(sim_qmodel *qm, const int32_t *input, size_t n_images);
/* Dyadic parameters for a real multiplier r applied to src-bit values whose largest
 * magnitude is max_abs (used to pick the pre-shift), producing o bits. */
void sim_requant_choose(double r, unsigned src_bits, unsigned o_bits, int64_t max_abs,
                        sim_requant *out);
/* The requantization in plain C, exactly as the AP computes it (src <= o: v unchanged). */
int64_t sim_requant_apply(const sim_requant *rq, int64_t v, unsigned src_bits, unsigned o_bits);

/* Element count of the network output (the last layer's tensor). */
size_t sim_infer_out_elems(const net_network *net);
/* Plain-C integer reference: n_images inputs (c_in x h_in x w_in each) -> outputs. Fails only
 * with SIM_ENOMEM. */
sim_status sim_infer_reference(const sim_qmodel *qm, const int32_t *input, size_t n_images,
                               int32_t *out);

typedef struct sim_infer_stats {
    ap_counters counters;  /* all arrays, all layers and folds */
    uint64_t n_macs;       /* conv/fc multiply-accumulates executed (useful ones) */
    uint64_t n_row_passes; /* sum over compares of the array's rows: emulation work */
    uint64_t n_arrays;     /* arrays created (one per layer, two with a partial last fold) */
} sim_infer_stats;

/* One image on ap_core with the candidate res chose for each layer (res evaluated from plan,
 * which must be built from qm's network and bits with arch batch 1). stats may be NULL.
 * SIM_EINVAL (batch, mismatch), SIM_ENOMEM, ap_core's errors. */
sim_status sim_infer_ap(const sim_qmodel *qm, const sim_plan *plan, const sim_result *res,
                        const int32_t *input, int32_t *out, sim_infer_stats *stats);
/* What the plan says that run costs: compares, writes, plane reads and writes summed over
 * folds, compared cells over rows; *written_cells the expected written cells. */
void sim_infer_expected(const sim_plan *plan, const sim_result *res, ap_counters *out,
                        double *written_cells);

/* ---- Fashion-MNIST: data, float training, quantization (sim_fmnist.c, docs/FMNIST.md) ----
 * IDX files (gzipped or plain) of the Debian package dataset-fashion-mnist, a float CNN trained
 * deterministically in plain C (Adam, He init from a seeded generator, seeded data order, one
 * thread), its weights file, and per-layer quantization into a sim_qmodel (symmetric
 * per-layer weights, calibrated activations, HAWQ-V3 dyadic requantization). */
typedef struct sim_dataset {
    size_t n_images;
    int h, w;           /* one grey channel */
    uint8_t *pixels;    /* n_images x h x w, 0..255 (owned) */
    uint8_t *labels;    /* n_images, 0..n_classes-1 (owned) */
    unsigned n_classes; /* 1 + the largest label */
} sim_dataset;

/* Loads an IDX image file (magic 0x00000803, n x rows x cols bytes) and its IDX label file
 * (0x00000801); either may be gzipped (zlib). SIM_EIO (cannot open or read), SIM_EPARSE (bad
 * magic, truncated data, trailing bytes, counts that disagree), SIM_ERANGE (sizes), SIM_ENOMEM.
 * Free with sim_dataset_free; *out is NULL on failure. */
sim_status sim_dataset_load_idx(const char *images_path, const char *labels_path,
                                sim_dataset **out);
void sim_dataset_free(sim_dataset *d);

/* A float model of a network made of conv (groups 1), fc, relu, maxpool and flatten layers,
 * each reading the previous one. Weights per layer [oc][c][ky][kx] as in sim_qlayer. */
typedef struct sim_fmodel {
    const net_network *net; /* borrowed */
    float **weight;         /* per layer: c_out x K, NULL without weights (owned) */
    float **bias;           /* per layer: c_out, NULL without bias (owned) */
} sim_fmodel;

/* He-initialised weights (normal, std sqrt(2 / K), from a splitmix64 stream seeded with seed),
 * zero biases. SIM_EUNSUPPORTED (another kind, groups, a branch), SIM_ESHAPE (network input
 * not one channel), SIM_ENOMEM. Free with sim_fmodel_free. */
sim_status sim_fmodel_new(const net_network *net, uint64_t seed, sim_fmodel **out);
void sim_fmodel_free(sim_fmodel *m);

typedef struct sim_train_opts {
    unsigned n_epochs;
    size_t batch;   /* images per Adam step */
    double lr;      /* Adam step size */
    size_t n_train; /* first n_train images of the set (0: all) */
    uint64_t seed;  /* data order: a seeded permutation per epoch */
} sim_train_opts;

/* Defaults: 3 epochs, batch 32, lr 0.002, all images, seed 1. */
void sim_train_opts_init(sim_train_opts *o);
/* Trains m on d with softmax cross-entropy; epoch_loss (n_epochs entries, may be NULL) gets
 * each epoch's mean training loss. The same inputs give the same bytes. SIM_EINVAL (options,
 * a label the output cannot hold, image size), SIM_ENOMEM. */
sim_status sim_fmodel_train(sim_fmodel *m, const sim_dataset *d, const sim_train_opts *o,
                            double *epoch_loss);
/* Mean cross-entropy and top-1 accuracy (%) of the float model over the first n images. */
sim_status sim_fmodel_evaluate(const sim_fmodel *m, const sim_dataset *d, size_t n, double *loss,
                               double *acc_pct);

/* Weights file (docs/FMNIST.md): "APSIMFW" NUL, u32 version 1, u32 layers with weights, per
 * such layer u32 c_out, u32 K, u32 has_bias, then per layer c_out x K float32 weights and
 * c_out float32 biases; all little-endian. Written atomically. SIM_EIO. */
sim_status sim_fmodel_save(const sim_fmodel *m, const char *path);
/* Loads a weights file for net. SIM_EIO (cannot open), SIM_EPARSE (bad magic, truncated,
 * trailing bytes), SIM_EUNSUPPORTED (version), SIM_ESHAPE (shapes differ from net's),
 * SIM_ENOMEM, and sim_fmodel_new's errors. */
sim_status sim_fmodel_load(const net_network *net, const char *path, sim_fmodel **out);

/* Real value of one input LSB at input_bits: pixels p map to x = 2p/255 - 1 in [-1, 1] and
 * x / scale is rounded to a signed input_bits integer. */
double sim_fmnist_input_scale(unsigned input_bits);
/* Quantized inputs of images [first, first + n) of d (h x w int32 each). */
void sim_fmnist_input(const sim_dataset *d, size_t first, size_t n, unsigned input_bits,
                      int32_t *out);
/* Quantizes m under bits (every conv/fc w and a in 2..8, else SIM_ERANGE): weights symmetric
 * per layer with the clipping of least squared error, biases at the accumulator's scale,
 * requantizations calibrated on the first n_calib images of calib (sim_qmodel_calibrate).
 * Free with sim_qmodel_free; bits must outlive the model. SIM_ENOMEM, SIM_EINVAL. */
sim_status sim_fmnist_quantize(const sim_fmodel *m, const net_bitcfg *bits,
                               const sim_dataset *calib, size_t n_calib, sim_qmodel **out);
/* Integer logits (sim_infer_reference) of the first n images of d: n x out_elems. */
sim_status sim_fmnist_logits(const sim_qmodel *qm, const sim_dataset *d, size_t n, int32_t *logits);
/* Index of the largest logit (the first on ties) and the margin to the second largest. */
void sim_fmnist_top(const int32_t *logits, size_t n_classes, size_t *top1, int64_t *margin);

/* The cascade with real confidences: every input runs at the low config; those whose top-1
 * margin times lo_scale (a real logit difference) is below threshold are re-run at the high
 * config, whose answer replaces the low one. */
typedef struct sim_cascade_point {
    double threshold;
    size_t n_inputs, n_rerun, n_correct;
} sim_cascade_point;
void sim_fmnist_cascade(const int32_t *lo, double lo_scale, const int32_t *hi,
                        const uint8_t *labels, size_t n, size_t n_classes, double threshold,
                        sim_cascade_point *out);

/* ---- Command line ---------------------------------------------------------------------
 * Each subcommand takes argc/argv after the subcommand name and returns the process exit
 * status: 0 success, 1 run failure, 2 usage or input error. */
typedef int (*sim_cli_fn)(int argc, char **argv);

/* Parses a command-line number (whole string, finite, within [min, max]); SIM_EINVAL
 * naming the option otherwise. */
sim_status sim_parse_double(const char *option, const char *text, double min, double max,
                            double *out);

/* Parses a whole non-negative integer option (decimal, no sign, no fraction) within
 * [min, max]; SIM_EINVAL naming the option otherwise. */
sim_status sim_parse_ulong(const char *option, const char *text, unsigned long min,
                           unsigned long max, unsigned long *out);

/* Exit status for a failed status code: input errors -> 2, others -> 1. */
int sim_exit_code(sim_status status);

/* ---- Dynamic mixed precision (sim_dynamic.c, docs/DYNAMIC.md) ------------------------------
 * A schedule is a stream of inferences whose bit configuration changes at run time: per
 * request (fixed or chosen by a latency/energy budget), a cascade (every input at a low
 * config, a fraction re-run at a high one; a family of fractions), or per-layer mixes that
 * alternate between consecutive inferences. The AP evaluates each distinct config once and
 * charges every request its config's plan: it has no mode state, so switching costs nothing.
 * Comparisons: the same AP fixed at the per-layer maximum precision, and the rival models of
 * accel/ with their mode-switch costs. */
typedef enum sim_dyn_kind { SIM_DYN_PER_REQUEST, SIM_DYN_CASCADE, SIM_DYN_PER_LAYER } sim_dyn_kind;

#define SIM_DYN_MAX_RIVALS 8
/* AP bit-fluid, AP fixed-at-max, and each rival following the schedule and fixed at max. */
#define SIM_DYN_MAX_DESIGNS (2 + 2 * SIM_DYN_MAX_RIVALS)

typedef struct sim_dyn_config {
    char *name;       /* schedule-local name (owned) */
    char *spec;       /* bit spec as written (owned) */
    net_bitcfg *bits; /* resolved against the schedule's network (owned) */
    double top1_pct;  /* `top1` of the schedule entry, else the config's published top-1 */
    int is_static;    /* 1: listed under `static:` only (a reference point, never scheduled) */
} sim_dyn_config;

/* One request after `repeat` and `cycle` are expanded. */
typedef struct sim_dyn_request {
    int config;       /* index into configs, or -1: chosen by the budget at evaluation */
    double budget_ms; /* latency budget per request (0: none) */
    double budget_mj; /* energy budget per request (0: none) */
} sim_dyn_request;

typedef struct sim_dyn_schedule {
    char *path; /* file it was loaded from (owned) */
    char *name; /* `name:` (owned) */
    sim_dyn_kind kind;
    net_network *net;  /* owned */
    tech_params *tech; /* owned */
    sim_arch arch;
    double vdd_v;
    size_t n_configs; /* scheduled configs first, then `static:` reference points */
    size_t n_sched;   /* configs [0, n_sched) are scheduled, the rest `static:` ones */
    sim_dyn_config *configs;
    size_t n_requests; /* per_request / per_layer */
    sim_dyn_request *requests;
    int cascade_low, cascade_high; /* config indices (cascade) */
    size_t n_inputs;               /* cascade inputs per schedule */
    size_t n_fractions;            /* cascade family: fractions re-run at high precision */
    double *fractions;
    size_t n_rivals;
    const acc_model *rivals[SIM_DYN_MAX_RIVALS];
} sim_dyn_schedule;

/* Loads a schedule (format in docs/DYNAMIC.md) with its network, bit configs (relative paths
 * are looked up next to the schedule first), technology and architecture. Strict: unknown or
 * duplicate keys, wrong types, out-of-range values, empty lists, unknown config names and
 * configs without a top-1 figure are file:line:col errors (SIM_EKEY, SIM_ETYPE, SIM_ERANGE,
 * SIM_EINVAL, SIM_ENOTFOUND), plus the loaders' own errors. Free with sim_dyn_free; *out is
 * NULL on failure. */
sim_status sim_dyn_load(const char *path, sim_dyn_schedule **out);
/* Same from memory; name is used in messages and as the base for relative paths. */
sim_status sim_dyn_load_string(const char *name, const char *text, size_t len,
                               sim_dyn_schedule **out);
void sim_dyn_free(sim_dyn_schedule *s);
const char *sim_dyn_kind_name(sim_dyn_kind kind);

/* One request as run on the AP (bit-fluid). */
typedef struct sim_dyn_row {
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
} sim_dyn_row;

/* Totals of one design over one schedule point. */
typedef struct sim_dyn_design {
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
} sim_dyn_design;

typedef struct sim_dyn_point {
    double fraction; /* cascade: effective fraction re-run (n_rerun / n_inputs); -1 otherwise */
    size_t n_inputs, n_requests, n_rerun;
    size_t first_row; /* rows [first_row, first_row + n_requests) */
    double top1_pct;  /* schedule average accuracy (cascade: the mixing model) */
    size_t n_designs;
    sim_dyn_design design[SIM_DYN_MAX_DESIGNS];
    int best_static;               /* config index: least AP EDP with top-1 >= top1_pct */
    double best_static_edp_js;     /* its EDP per inference on the AP */
    double edp_vs_best_static_pct; /* (bit-fluid - static) / static x 100 */
} sim_dyn_point;

/* Static AP figures of one config (and of the per-layer maximum). */
typedef struct sim_dyn_static {
    double latency_ns, energy_pj, edp_js;
    uint64_t n_passes;
} sim_dyn_static;

/* MAP bits for the weights of every scheduled config under the two storage policies. */
typedef struct sim_dyn_storage {
    double msb_bits;           /* once per layer at its widest precision, read as MSB slices */
    double per_precision_bits; /* one copy per distinct width of each layer */
    double capacity_bits;      /* n_maps x map_rows x map_cols */
    int msb_fits, per_precision_fits;
} sim_dyn_storage;

typedef struct sim_dyn_result {
    const sim_dyn_schedule *sched;
    sim_dyn_static *statics;   /* one per config (owned) */
    sim_dyn_static max_static; /* the per-layer maximum config */
    net_bitcfg *max_bits;      /* owned */
    int max_config;            /* config equal to the maximum, or -1 */
    size_t n_rows;
    sim_dyn_row *rows; /* owned */
    size_t n_points;
    sim_dyn_point *points; /* owned */
    sim_dyn_storage storage;
} sim_dyn_result;

/* Evaluates a schedule: each config once on the AP (sim_plan_new + sim_plan_eval) and on
 * every rival, then walks the requests. Errors from planning and costing (a rival's
 * SIM_EUNSUPPORTED is not an error: that design is marked unsupported). Free with
 * sim_dyn_result_free. */
sim_status sim_dyn_eval(const sim_dyn_schedule *s, sim_dyn_result **out);
void sim_dyn_result_free(sim_dyn_result *r);

/* AP passes of a plan evaluated into res (sum over layers of the chosen candidate's passes x
 * folds): the whole work of one inference batch. */
uint64_t sim_dyn_plan_passes(const sim_plan *plan, const sim_result *res);

/* Output files (C locale, fixed precision, units in the headers). SIM_EIO on write errors. */
sim_status sim_dyn_write_requests_csv(FILE *fp, const sim_dyn_result *r);
sim_status sim_dyn_write_summary_csv(FILE *fp, const sim_dyn_result *r);
sim_status sim_dyn_write_summary_json(FILE *fp, const sim_dyn_result *r);
sim_status sim_dyn_write_family_csv(FILE *fp, const sim_dyn_result *r);
sim_status sim_dyn_write_static_csv(FILE *fp, const sim_dyn_result *r);
/* Writes requests.csv, summary.csv, summary.json, family.csv, static.csv and plots.list into
 * dir (created if needed), each atomically. */
sim_status sim_dyn_write_outputs(const sim_dyn_result *r, const char *dir);

#endif /* SIM_H */
